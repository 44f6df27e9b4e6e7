#include "cas/single_logout.hpp"

#include <limits>

#include <spdlog/spdlog.h>

#include "cas/responses.hpp"
#include "core/unit_of_work.hpp"
#include "http/router.hpp"
#include "jose/openssl/crypto.hpp"

namespace gatehouse::cas {

std::string logout_request(std::string_view ticket, std::string_view id, UnixSeconds now) {
  return "<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
         "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"" +
         xml_escape(id) + "\" Version=\"2.0\" IssueInstant=\"" + iso8601(now) +
         "\">\n<saml:NameID>@NOT_USED@</saml:NameID>\n<samlp:SessionIndex>" + xml_escape(ticket) +
         "</samlp:SessionIndex>\n</samlp:LogoutRequest>";
}

std::vector<std::pair<std::string, std::string>> logout_targets(const session::SsoSession& session) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& p : session.participants) {
    if (p.protocol != kSloProtocol) continue;
    const auto space = p.detail.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 == p.detail.size()) continue;
    out.emplace_back(p.detail.substr(space + 1), p.detail.substr(0, space));
  }
  return out;
}

LogoutSender::LogoutSender(Post post, const Clock& clock, Options options)
    : post_(std::move(post)), clock_(clock), options_(options), thread_([this](std::stop_token stop) { run(stop); }) {}

LogoutSender::~LogoutSender() {
  thread_.request_stop();
  wake_.notify_all();
}

void LogoutSender::send(std::string url, std::string ticket) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= options_.max_queue) {
      abandoned_.fetch_add(1);
      spdlog::warn("CAS single logout to {} dropped: {} requests are already waiting", url, queue_.size());
      return;
    }
    queue_.push_back({std::move(url), std::move(ticket), 0, std::chrono::steady_clock::now()});
    ++generation_;
  }
  wake_.notify_one();
}

void LogoutSender::session_ended(const session::SsoSession& session) {
  for (auto& [url, ticket] : logout_targets(session)) send(std::move(url), std::move(ticket));
}

bool LogoutSender::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return idle_.wait_for(lock, timeout, [&] { return queue_.empty() && !busy_; });
}

void LogoutSender::run(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    if (queue_.empty()) {
      idle_.notify_all();
      wake_.wait(lock, stop, [&] { return !queue_.empty(); });
      continue;
    }
    // The message due first (retries wait their turn behind their delay).
    auto next = std::min_element(queue_.begin(), queue_.end(), [](const Message& a, const Message& b) { return a.due < b.due; });
    if (next->due > std::chrono::steady_clock::now()) {
      const auto due = next->due;
      const auto seen = generation_;
      wake_.wait_until(lock, stop, due, [&] { return generation_ != seen; });
      continue;
    }
    Message m = std::move(*next);
    queue_.erase(next);
    busy_ = true;
    lock.unlock();
    const std::string body = "logoutRequest=" + http::percent_encode(logout_request(m.ticket, "LR-" + jose::random_token(16), clock_.now()));
    int status = 0;
    try {
      status = post_(m.url, body);
    } catch (const std::exception& e) {
      spdlog::warn("CAS single logout to {}: {}", m.url, e.what());
    }
    lock.lock();
    busy_ = false;
    ++m.attempt;
    if (status >= 200 && status < 300) {
      delivered_.fetch_add(1);
    } else if (m.attempt >= options_.max_attempts) {
      abandoned_.fetch_add(1);
      spdlog::warn("CAS single logout to {} abandoned after {} attempts (last answer: {})", m.url, m.attempt,
                   status == 0 ? std::string("none") : "HTTP " + std::to_string(status));
    } else {
      m.due = std::chrono::steady_clock::now() + options_.retry_delay * (1 << (m.attempt - 1));
      queue_.push_back(std::move(m));
    }
  }
}

bool SingleLogoutSessions::revoke_by_sid(const std::string& sid) {
  auto taken = inner_.take_by_sid(sid);
  if (!taken) return false;
  if (pgts_ != nullptr) pgts_->revoke_session(sid);
  // Sent once the unit of work this logout is part of (if any) has committed: a logout that
  // rolls back tells no service about it.
  after_commit([&sender = sender_, session = std::move(*taken)] { sender.session_ended(session); });
  return true;
}

std::size_t SingleLogoutSessions::revoke_user(const std::string& user_id) {
  constexpr std::size_t kMostSessions = 1000;
  std::size_t ended = 0;
  // Every session, idle or not (now 0, an idle timeout that nothing exceeds).
  for (const auto& s : inner_.list_user(user_id, 0, std::numeric_limits<UnixSeconds>::max() / 4, kMostSessions))
    if (revoke_by_sid(s.sid)) ++ended;
  return ended + inner_.revoke_user(user_id);
}

}  // namespace gatehouse::cas
