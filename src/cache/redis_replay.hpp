#pragma once
// Used client assertions in Redis, in front of a token::ReplayStore (the database), which stays
// the system of record:
//
// - Redis up: one SET NX EX (until the key's expiry) answers (no database round trip on the
//   request), and the key is written to the database behind the request, in the background, so
//   the database knows every accepted key a moment later.
// - Redis unreachable: the pending keys are written first, then the database answers alone. Every
//   node writes its queue each `flush_interval`, so for the first `settle` (3 flush intervals and
//   half a second) of an outage a request waits until that much time has passed since the node
//   first saw Redis fail: by then every key any node accepted through Redis is in the database,
//   and a key accepted before the outage is refused during it, on every node.
// - Redis back: for `remember_for` after the last fallback (the longest a key lives), both must
//   accept a key, since keys accepted during the outage are only in the database.
//
// Thread safety: every method may be called from any number of threads.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cache/redis_client.hpp"
#include "token/replay_store.hpp"

namespace gatehouse::cache {

class RedisReplayStore final : public token::ReplayStore {
 public:
  /// @param remember_for the longest a key is remembered (assertion lifetime + leeway).
  /// @param flush_interval how often the background writer empties its queue into `inner`.
  RedisReplayStore(token::ReplayStore& inner, RedisClient& redis, std::chrono::seconds remember_for,
                   std::chrono::milliseconds flush_interval = std::chrono::milliseconds(100));
  /// Writes whatever is still queued to the database.
  ~RedisReplayStore() override;
  RedisReplayStore(const RedisReplayStore&) = delete;
  RedisReplayStore& operator=(const RedisReplayStore&) = delete;

  bool first_use(const std::string& key, UnixSeconds expires_at, UnixSeconds now) override;
  /// The database's entries; Redis expires its own keys.
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override { return inner_.purge_expired(now, limit); }

  /// How long after its first failed command a node waits before letting the database decide:
  /// three flush intervals, plus half a second for a writer thread that runs late on a loaded host.
  std::chrono::milliseconds settle() const { return flush_interval_ * 3 + std::chrono::milliseconds(500); }

  /// Writes the queued keys to the database now (tests; the destructor).
  void flush();

  static std::string key_of(const std::string& key) { return "gatehouse:assertion:" + key; }

 private:
  struct Pending {
    std::string key;
    UnixSeconds expires_at;
    UnixSeconds now;
  };
  void run(std::stop_token stop);
  void wait_for_other_writers();

  token::ReplayStore& inner_;
  RedisClient& redis_;
  const std::chrono::seconds remember_for_;
  const std::chrono::milliseconds flush_interval_;
  std::atomic<UnixSeconds> both_until_{0};  // after a fallback: Redis and the database must agree
  // steady_clock ticks of the first failed command of the current outage; 0 while Redis answers
  std::atomic<std::chrono::steady_clock::rep> down_since_{0};
  std::mutex flush_mutex_;                  // one writer at a time, so a fallback waits for it
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::vector<Pending> queue_;  // guarded by mutex_
  std::jthread writer_;         // last: it uses everything above
};

}  // namespace gatehouse::cache
