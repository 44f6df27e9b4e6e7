#include "cache/redis_replay.hpp"

#include <spdlog/spdlog.h>

#include "core/error.hpp"

namespace gatehouse::cache {
namespace {

// Past this many queued keys the request writes its key itself rather than queue more.
constexpr std::size_t kMaxQueued = 10'000;

}  // namespace

RedisReplayStore::RedisReplayStore(token::ReplayStore& inner, RedisClient& redis, std::chrono::seconds remember_for,
                                   std::chrono::milliseconds flush_interval)
    : inner_(inner),
      redis_(redis),
      remember_for_(remember_for),
      flush_interval_(flush_interval),
      writer_([this](std::stop_token stop) { run(stop); }) {}

RedisReplayStore::~RedisReplayStore() {
  writer_.request_stop();
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
  try {
    flush();
  } catch (const std::exception& e) {
    spdlog::warn("used client assertions: could not write the last ones to the database: {}", e.what());
  }
}

bool RedisReplayStore::first_use(const std::string& key, UnixSeconds expires_at, UnixSeconds now) {
  // A relative expiry, from the caller's clock: the nodes' and Redis's clocks need not agree.
  const auto seconds = std::to_string(std::max<UnixSeconds>(expires_at - now, 0) + 1);
  if (auto reply = redis_.command({"SET", key_of(key), "1", "NX", "EX", seconds})) {
    if (down_since_.load(std::memory_order_relaxed) != 0) down_since_.store(0, std::memory_order_relaxed);
    if (reply->type == RedisReply::Type::kNil) return false;  // Redis has it: a replay
    if (now < both_until_.load()) return inner_.first_use(key, expires_at, now);
    bool write_now = false;
    {
      std::lock_guard lock(mutex_);
      if (queue_.size() < kMaxQueued)
        queue_.push_back({key, expires_at, now});
      else
        write_now = true;
    }
    if (write_now) inner_.first_use(key, expires_at, now);
    return true;
  }
  // Redis is away: the database decides, once it has every key Redis accepted, on any node.
  both_until_.store(now + remember_for_.count());
  flush();
  wait_for_other_writers();
  return inner_.first_use(key, expires_at, now);
}

void RedisReplayStore::wait_for_other_writers() {
  using Clock = std::chrono::steady_clock;
  const auto now = Clock::now();
  auto since = down_since_.load();
  if (since == 0) {
    // The first to see this outage marks its start (a race sets a near-equal value).
    auto expected = since;
    since = now.time_since_epoch().count();
    if (!down_since_.compare_exchange_strong(expected, since)) since = expected;
  }
  // Keys Redis accepted before it failed are queued on their nodes for at most one flush interval
  // (plus the write), so past `settle()` from the first failure the database has them all.
  const auto ready = Clock::time_point(Clock::duration(since)) + settle();
  if (now < ready) std::this_thread::sleep_until(ready);
}

void RedisReplayStore::flush() {
  std::lock_guard writer(flush_mutex_);
  std::vector<Pending> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(queue_);
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    try {
      inner_.first_use(batch[i].key, batch[i].expires_at, batch[i].now);
    } catch (const StorageError&) {
      // Put the rest back (bounded) so a store outage loses nothing Redis does not still hold.
      std::lock_guard lock(mutex_);
      for (std::size_t j = i; j < batch.size() && queue_.size() < kMaxQueued; ++j) queue_.push_back(std::move(batch[j]));
      throw;
    }
  }
}

void RedisReplayStore::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, stop, flush_interval_, [] { return false; });
    }
    if (stop.stop_requested()) break;
    try {
      flush();
    } catch (const std::exception& e) {
      spdlog::warn("used client assertions: database write-behind failed, retrying: {}", e.what());
    }
  }
}

}  // namespace gatehouse::cache
