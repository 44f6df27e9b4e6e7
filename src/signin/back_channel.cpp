#include "signin/back_channel.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace gatehouse::signin {

BackChannelSender::BackChannelSender(Post post, Options options)
    : post_(std::move(post)), options_(options), thread_([this](std::stop_token stop) { run(stop); }) {}

BackChannelSender::~BackChannelSender() {
  thread_.request_stop();
  wake_.notify_all();
}

void BackChannelSender::send(BackChannelMessage message) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= options_.max_queue) {
      abandoned_.fetch_add(1);
      spdlog::warn("{} to {} dropped: {} messages are already waiting", message.what, message.url, queue_.size());
      return;
    }
    queue_.push_back({std::move(message), 0, std::chrono::steady_clock::now()});
    ++generation_;
  }
  wake_.notify_one();
}

bool BackChannelSender::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return idle_.wait_for(lock, timeout, [&] { return queue_.empty() && !busy_; });
}

void BackChannelSender::run(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    if (queue_.empty()) {
      idle_.notify_all();
      wake_.wait(lock, stop, [&] { return !queue_.empty(); });
      continue;
    }
    // The message due first (retries wait their turn behind their delay).
    auto next = std::min_element(queue_.begin(), queue_.end(), [](const Queued& a, const Queued& b) { return a.due < b.due; });
    if (next->due > std::chrono::steady_clock::now()) {
      const auto due = next->due;
      const auto seen = generation_;
      wake_.wait_until(lock, stop, due, [&] { return generation_ != seen; });
      continue;
    }
    Queued m = std::move(*next);
    queue_.erase(next);
    busy_ = true;
    lock.unlock();
    int status = 0;
    try {
      std::optional<std::string> body;
      if (m.message.build) body = m.message.build();
      if (!m.message.build || body) {
        BackChannelMessage made = m.message;
        if (body) made.body = std::move(*body);
        status = post_(made);
      } else {
        m.attempt = options_.max_attempts - 1;  // cannot be made: no further attempt
      }
    } catch (const std::exception& e) {
      spdlog::warn("{} to {}: {}", m.message.what, m.message.url, e.what());
    }
    lock.lock();
    busy_ = false;
    ++m.attempt;
    // A refusal (4xx but a timeout or a rate limit) is final: the service read the message and
    // said no (a Logout Token it finds invalid, Back-Channel Logout §2.8), and would again.
    const bool refused = status >= 400 && status < 500 && status != 408 && status != 429;
    if (status >= 200 && status < 300) {
      delivered_.fetch_add(1);
    } else if (m.attempt >= options_.max_attempts || refused) {
      abandoned_.fetch_add(1);
      spdlog::warn("{} to {} abandoned after {} attempts (last answer: {})", m.message.what, m.message.url, m.attempt,
                   status == 0 ? std::string("none") : "HTTP " + std::to_string(status));
    } else {
      m.due = std::chrono::steady_clock::now() + options_.retry_delay * (1 << (m.attempt - 1));
      queue_.push_back(std::move(m));
    }
  }
}

}  // namespace gatehouse::signin
