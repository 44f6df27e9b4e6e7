#pragma once
// The optional Redis the nodes share ([cache] redis_url): a small synchronous client on hiredis.
// Redis only ever speeds things up; the database stays the system of record. So every call is
// bounded by the timeout, and a failure never reaches a request: the call answers "unavailable"
// (nullopt / false) and the caller uses the database. After a failure the client does not touch
// Redis for a second (no request waits on a dead server), then tries again, so nodes return to
// Redis by themselves when it is back.
//
// Thread safety: every method is safe from any number of threads (a small pool of connections).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/secret.hpp"

struct redisContext;

namespace gatehouse::cache {

struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string username;  ///< ACL user (Redis 6+), or "" for the default user
  Secret<struct RedisPasswordTag> password;  ///< empty for none
  int db = 0;
  std::chrono::milliseconds timeout{200};
  std::size_t pool_size = 4;
  std::chrono::milliseconds retry_after{1000};  ///< how long a failure keeps the client off Redis
};

/// Parses redis://[[user]:password@]host[:port][/db] (percent-decoded user and password).
/// @returns nullopt, with `error` set (never echoing the password), if it is not such a URL.
std::optional<RedisOptions> parse_redis_url(std::string_view url, std::string& error);

/// One reply, flattened to what Gatehouse uses.
struct RedisReply {
  enum class Type { kNil, kInteger, kString, kStatus, kArray };
  Type type = Type::kNil;
  long long integer = 0;
  std::string str;  ///< kString, kStatus
  std::vector<RedisReply> elements;
};

class RedisClient {
 public:
  explicit RedisClient(RedisOptions options);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  /// Runs one command (binary-safe arguments). nullopt when Redis is unavailable: not reachable,
  /// too slow, or inside the pause after a failure. An error reply is returned as nullopt too
  /// (and logged): Gatehouse's commands do not fail on a healthy server.
  std::optional<RedisReply> command(const std::vector<std::string_view>& args);
  /// true unless the last attempt failed less than retry_after ago.
  bool available() const;
  /// "host:port/db" (no password), for logs.
  const std::string& label() const { return label_; }
  /// Commands sent (answered or not), commands that failed (no connection, I/O, error reply),
  /// and calls not sent because of the pause after a failure: for /metrics.
  std::uint64_t round_trips() const { return round_trips_.load(std::memory_order_relaxed); }
  std::uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }
  std::uint64_t skipped() const { return skipped_.load(std::memory_order_relaxed); }

 private:
  redisContext* connect();
  void release(redisContext* context, bool healthy);
  void mark_down(std::string_view why);
  void mark_up();

  RedisOptions options_;
  std::string label_;
  std::mutex mutex_;
  std::vector<redisContext*> idle_;  // guarded by mutex_
  std::atomic<std::int64_t> down_until_ms_{0};
  std::atomic<bool> down_{false};
  std::atomic<std::uint64_t> round_trips_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<std::uint64_t> skipped_{0};
};

/// Subscribes to one channel on a connection of its own, on a thread of its own, and calls
/// `on_message` for every message and once after every (re)subscription (something may have been
/// published while it was not listening). Reconnects after retry_after when Redis goes away.
class RedisSubscriber {
 public:
  RedisSubscriber(RedisOptions options, std::string channel, std::function<void()> on_message);
  ~RedisSubscriber();
  RedisSubscriber(const RedisSubscriber&) = delete;
  RedisSubscriber& operator=(const RedisSubscriber&) = delete;

 private:
  void run(std::stop_token stop);

  RedisOptions options_;
  std::string channel_;
  std::function<void()> on_message_;
  std::jthread thread_;
};

}  // namespace gatehouse::cache
