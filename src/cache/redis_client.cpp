#include "cache/redis_client.hpp"

#include <poll.h>
#include <sys/time.h>

#include <boost/url/parse.hpp>
#include <hiredis/hiredis.h>

#include "core/log.hpp"

namespace gatehouse::cache {
namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

timeval to_timeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

RedisReply flatten(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(flatten(r->element[i]));
      break;
    default:
      break;
  }
  return out;
}

/// Runs a command on a connection; nullopt (and `error`) on an I/O failure or an error reply.
std::optional<RedisReply> run_command(redisContext* c, const std::vector<std::string_view>& args, std::string& error,
                              bool& io_failed) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  auto* reply = static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), lengths.data()));
  if (reply == nullptr) {
    io_failed = true;
    error = c->err != 0 ? c->errstr : "no reply";
    return std::nullopt;
  }
  std::optional<RedisReply> out;
  if (reply->type == REDIS_REPLY_ERROR) {
    error = std::string(reply->str, reply->len);
  } else {
    out = flatten(reply);
  }
  freeReplyObject(reply);
  return out;
}

/// A connected, authenticated context on the right database, or nullptr (and `error`).
redisContext* open_context(const RedisOptions& o, std::string& error) {
  const timeval tv = to_timeval(o.timeout);
  redisContext* c = redisConnectWithTimeout(o.host.c_str(), o.port, tv);
  if (c == nullptr) {
    error = "cannot allocate a connection";
    return nullptr;
  }
  if (c->err != 0 || redisSetTimeout(c, tv) != REDIS_OK) {
    error = c->errstr;
    redisFree(c);
    return nullptr;
  }
  bool io_failed = false;
  if (!o.password.empty()) {
    std::vector<std::string_view> auth{"AUTH"};
    if (!o.username.empty()) auth.emplace_back(o.username);
    auth.emplace_back(o.password.reveal());
    if (!run_command(c, auth, error, io_failed)) {
      if (!io_failed) error = "authentication refused";  // never the server's text: it may echo input
      redisFree(c);
      return nullptr;
    }
  }
  if (o.db != 0) {
    const auto db = std::to_string(o.db);
    if (!run_command(c, {"SELECT", db}, error, io_failed)) {
      redisFree(c);
      return nullptr;
    }
  }
  return c;
}

std::string percent_decoded(boost::urls::pct_string_view s) { return s.decode(); }

}  // namespace

std::optional<RedisOptions> parse_redis_url(std::string_view url, std::string& error) {
  auto parsed = boost::urls::parse_uri(url);
  const std::string shape = "expected redis://[[user]:password@]host[:port][/db]";
  if (!parsed || parsed->scheme() != "redis" || !parsed->has_authority() || parsed->encoded_host().empty() ||
      parsed->has_query() || parsed->has_fragment()) {
    error = shape;
    return std::nullopt;
  }
  RedisOptions o;
  o.host = parsed->host();
  if (o.host.size() > 2 && o.host.front() == '[') o.host = o.host.substr(1, o.host.size() - 2);
  if (parsed->has_port()) {
    const auto port = parsed->port_number();
    if (port == 0) {
      error = shape + " (bad port)";
      return std::nullopt;
    }
    o.port = port;
  }
  if (parsed->has_userinfo()) {
    o.username = percent_decoded(parsed->encoded_user());
    o.password = decltype(o.password)(percent_decoded(parsed->encoded_password()));
    if (o.password.empty()) {  // redis://secret@host: the userinfo is the password (as redis-cli reads it)
      o.password = decltype(o.password)(o.username);
      o.username.clear();
    }
  }
  std::string path(parsed->path());
  if (!path.empty() && path != "/") {
    const auto digits = path.substr(1);
    if (digits.empty() || digits.size() > 3 || digits.find_first_not_of("0123456789") != std::string::npos) {
      error = shape + " (the database must be a number)";
      return std::nullopt;
    }
    o.db = std::stoi(digits);
  }
  return o;
}

RedisClient::RedisClient(RedisOptions options)
    : options_(std::move(options)), label_(options_.host + ":" + std::to_string(options_.port) + "/" + std::to_string(options_.db)) {}

RedisClient::~RedisClient() {
  for (auto* c : idle_) redisFree(c);
}

bool RedisClient::available() const { return now_ms() >= down_until_ms_.load(); }

void RedisClient::mark_down(std::string_view why) {
  down_until_ms_ = now_ms() + options_.retry_after.count();
  if (!down_.exchange(true)) {
    spdlog::warn("redis {} unavailable ({}): using the database until it answers again", label_, why);
  }
}

void RedisClient::mark_up() {
  if (down_.exchange(false)) spdlog::info("redis {} answers again", label_);
}

redisContext* RedisClient::connect() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto* c = idle_.back();
      idle_.pop_back();
      return c;
    }
  }
  std::string error;
  auto* c = open_context(options_, error);
  if (c == nullptr) mark_down(error);
  return c;
}

void RedisClient::release(redisContext* context, bool healthy) {
  if (healthy) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < options_.pool_size) {
      idle_.push_back(context);
      return;
    }
  } else {
    // One broken connection means the others are likely broken too (a restarted server).
    std::vector<redisContext*> stale;
    {
      std::lock_guard lock(mutex_);
      stale.swap(idle_);
    }
    for (auto* c : stale) redisFree(c);
  }
  redisFree(context);
}

std::optional<RedisReply> RedisClient::command(const std::vector<std::string_view>& args) {
  if (!available()) {
    skipped_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  auto* c = connect();
  if (c == nullptr) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  std::string error;
  bool io_failed = false;
  auto reply = run_command(c, args, error, io_failed);
  round_trips_.fetch_add(1, std::memory_order_relaxed);
  release(c, !io_failed);
  if (io_failed) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    mark_down(error);
    return std::nullopt;
  }
  if (!reply) {
    errors_.fetch_add(1, std::memory_order_relaxed);
    spdlog::error("redis {}: {} refused: {}", label_, args.empty() ? "" : std::string(args[0]), error);
    return std::nullopt;
  }
  mark_up();
  return reply;
}

RedisSubscriber::RedisSubscriber(RedisOptions options, std::string channel, std::function<void()> on_message)
    : options_(std::move(options)), channel_(std::move(channel)), on_message_(std::move(on_message)) {
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

RedisSubscriber::~RedisSubscriber() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void RedisSubscriber::run(std::stop_token stop) {
  auto pause = [&](std::chrono::milliseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    while (!stop.stop_requested() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  };
  bool warned = false;
  while (!stop.stop_requested()) {
    std::string error;
    redisContext* c = open_context(options_, error);
    bool io_failed = false;
    if (c != nullptr && !run_command(c, {"SUBSCRIBE", channel_}, error, io_failed)) {
      redisFree(c);
      c = nullptr;
    }
    if (c == nullptr) {
      if (!warned) spdlog::warn("redis subscription to {} failed ({}); retrying", channel_, error);
      warned = true;
      pause(options_.retry_after);
      continue;
    }
    if (warned) spdlog::info("redis subscription to {} restored", channel_);
    warned = false;
    on_message_();  // anything published while this node was not listening
    // Wait for messages with poll(), so a quiet channel neither times out the connection nor
    // keeps this thread from seeing the stop request.
    while (!stop.stop_requested()) {
      pollfd fd{c->fd, POLLIN, 0};
      const int ready = poll(&fd, 1, 250);
      if (ready == 0) continue;
      void* raw = nullptr;
      if (ready < 0 || redisGetReply(c, &raw) != REDIS_OK || raw == nullptr) break;
      auto* reply = static_cast<redisReply*>(raw);
      const bool message = reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 && reply->element[0]->type == REDIS_REPLY_STRING &&
                           std::string_view(reply->element[0]->str, reply->element[0]->len) == "message";
      freeReplyObject(reply);
      if (message) on_message_();
      // Drain whatever else hiredis has already read, without blocking.
      while (redisGetReplyFromReader(c, &raw) == REDIS_OK && raw != nullptr) {
        freeReplyObject(raw);
        on_message_();
      }
    }
    redisFree(c);
    if (!stop.stop_requested()) {
      spdlog::warn("redis subscription to {} lost; reconnecting", channel_);
      warned = true;
      pause(options_.retry_after);
    }
  }
}

}  // namespace gatehouse::cache
