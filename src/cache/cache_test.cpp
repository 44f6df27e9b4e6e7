// The Redis client, subscriber and failed sign-in counters against real redis-server processes:
// the one scripts/test starts (GATEHOUSE_TEST_REDIS_URL) and, for outages, ones this test starts
// and stops itself. The counters pass the UserStore contract in front of SQLite; used client
// assertions are refused by Redis or the database, and only the database accepts one.
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>

#include "cache/redis_client.hpp"
#include "cache/redis_counters.hpp"
#include "cache/redis_rate.hpp"
#include "cache/redis_replay.hpp"
#include "core/error.hpp"
#include "storage/sqlite/test_backends.hpp"
#include "user/testing/user_store_contract.hpp"

extern char** environ;

namespace gatehouse::cache {
namespace {

using namespace std::chrono_literals;
using user::testing::UserStoreContract;

const char* test_url() { return std::getenv("GATEHOUSE_TEST_REDIS_URL"); }
bool required() {
  const char* r = std::getenv("GATEHOUSE_TEST_REDIS_REQUIRED");
  return r != nullptr && std::string(r) == "1";
}

RedisOptions test_options() {
  std::string error;
  auto o = parse_redis_url(test_url(), error);
  if (!o) throw std::runtime_error("GATEHOUSE_TEST_REDIS_URL: " + error);
  return *o;
}

#define REQUIRE_REDIS()                                                                        \
  do {                                                                                         \
    if (test_url() == nullptr) {                                                               \
      if (required()) FAIL() << "GATEHOUSE_TEST_REDIS_URL is not set (scripts/test starts Redis)"; \
      GTEST_SKIP() << "no Redis (GATEHOUSE_TEST_REDIS_URL)";                                   \
    }                                                                                          \
  } while (false)

/// Polls `done` every 10 ms until it holds or `deadline` passes.
template <class F>
bool eventually(F done, std::chrono::milliseconds deadline = 5000ms) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

/// A free TCP port on 127.0.0.1 (bound and released; good enough for a test server).
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

/// A redis-server of this test's own, on a port it keeps across restarts.
class OwnRedis {
 public:
  OwnRedis() : port_(free_port()) {}
  ~OwnRedis() { stop(); }
  void start() {
    const std::string port = std::to_string(port_);
    std::vector<std::string> args{"redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ASSERT_EQ(posix_spawnp(&pid_, "redis-server", nullptr, nullptr, argv.data(), environ), 0) << "redis-server not found";
    RedisClient probe(options());
    ASSERT_TRUE(eventually([&] { return probe.command({"PING"}).has_value(); })) << "redis-server did not answer";
  }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  RedisOptions options() const {
    RedisOptions o;
    o.port = port_;
    o.retry_after = 200ms;
    return o;
  }

 private:
  int port_;
  pid_t pid_ = -1;
};

TEST(RedisUrl, ParsesHostPortPasswordAndDatabase) {
  std::string error;
  auto o = parse_redis_url("redis://:s%40cret@cache.internal:6380/2", error);
  ASSERT_TRUE(o) << error;
  EXPECT_EQ(o->host, "cache.internal");
  EXPECT_EQ(o->port, 6380);
  EXPECT_EQ(o->password.reveal(), "s@cret");
  EXPECT_EQ(o->username, "");
  EXPECT_EQ(o->db, 2);
  o = parse_redis_url("redis://gatehouse:pw@10.0.0.5", error);
  ASSERT_TRUE(o) << error;
  EXPECT_EQ(o->username, "gatehouse");
  EXPECT_EQ(o->password.reveal(), "pw");
  EXPECT_EQ(o->port, 6379);
  EXPECT_EQ(o->db, 0);
  for (const char* bad : {"http://127.0.0.1:6379", "redis://", "redis://h/x", "redis://h/0?a=b", "redis://:pw@h:0"}) {
    EXPECT_FALSE(parse_redis_url(bad, error)) << bad;
    EXPECT_EQ(error.find("pw"), std::string::npos) << "the password is never echoed: " << error;
  }
}

TEST(RedisClient, RunsCommandsBinarySafe) {
  REQUIRE_REDIS();
  RedisClient redis(test_options());
  const std::string key("gh-test-\0key", 12), value("a\0b\r\nc", 6);
  ASSERT_TRUE(redis.command({"SET", key, value}));
  auto got = redis.command({"GET", key});
  ASSERT_TRUE(got);
  EXPECT_EQ(got->type, RedisReply::Type::kString);
  EXPECT_EQ(got->str, value);
  auto missing = redis.command({"GET", "gh-test-no-such-key"});
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->type, RedisReply::Type::kNil);
  EXPECT_FALSE(redis.command({"NO-SUCH-COMMAND"})) << "an error reply is not an answer";
  EXPECT_TRUE(redis.available()) << "an error reply does not mean Redis is down";
}

TEST(RedisClient, AnUnreachableServerIsUnavailableAtOnceAndTriedAgainWhenItIsBack) {
  OwnRedis server;  // not started yet: nothing listens on its port
  RedisClient redis(server.options());
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(redis.command({"PING"}));
  EXPECT_FALSE(redis.available());
  EXPECT_FALSE(redis.command({"PING"})) << "no attempt while paused";
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  server.start();
  EXPECT_TRUE(eventually([&] { return redis.command({"PING"}).has_value(); })) << "back once the server is";
  // A server that goes away under open connections: the next call fails quickly, not a request.
  server.stop();
  const auto lost = std::chrono::steady_clock::now();
  EXPECT_FALSE(redis.command({"PING"}));
  EXPECT_LT(std::chrono::steady_clock::now() - lost, 1s);
  server.start();
  EXPECT_TRUE(eventually([&] { return redis.command({"PING"}).has_value(); }));
}

TEST(RedisSubscriber, CallsBackForEveryMessageAndAfterEveryReconnection) {
  OwnRedis server;
  server.start();
  std::atomic<int> calls{0};
  RedisSubscriber subscriber(server.options(), "gatehouse:test", [&] { ++calls; });
  ASSERT_TRUE(eventually([&] { return calls.load() >= 1; })) << "called once subscribed";
  RedisClient publisher(server.options());
  const int before = calls.load();
  ASSERT_TRUE(eventually([&] {
    publisher.command({"PUBLISH", "gatehouse:test", "1"});
    return calls.load() > before;
  }));
  server.stop();
  server.start();
  const int after_restart = calls.load();
  EXPECT_TRUE(eventually([&] {
    publisher.command({"PUBLISH", "gatehouse:test", "2"});
    return calls.load() > after_restart;
  })) << "subscribed again after the server came back";
}

using storage::sqlite::SqliteBackend;
using storage::sqlite::test::open_memory_backend;
using storage::sqlite::test::store_of;

/// A RedisCountingUserStore in front of an in-memory SQLite store, with a flushed test database.
std::shared_ptr<user::UserStore> counting_store(RedisOptions options) {
  struct Holder {
    std::shared_ptr<user::UserStore> inner;
    RedisClient redis;
    RedisCountingUserStore store;
    Holder(std::shared_ptr<user::UserStore> i, RedisOptions o) : inner(std::move(i)), redis(std::move(o)), store(*inner, redis) {}
  };
  auto holder = std::make_shared<Holder>(store_of<user::UserStore, &SqliteBackend::users>(open_memory_backend()),
                                         std::move(options));
  holder->redis.command({"FLUSHDB"});
  return std::shared_ptr<user::UserStore>(holder, &holder->store);
}

TEST(RedisCountingUserStore, CountsInRedisWhileItAnswersAndInTheStoreWhileItDoesNot) {
  OwnRedis server;
  server.start();
  auto inner = store_of<user::UserStore, &SqliteBackend::users>(open_memory_backend());
  RedisClient redis(server.options());
  RedisCountingUserStore store(*inner, redis);
  EXPECT_EQ(store.record_failed_login("ada", 1000, 60, 3, 300).count, 1);
  EXPECT_EQ(inner->failed_logins("ada").count, 0) << "counted in Redis, not in the store";
  auto hash = redis.command({"HGET", RedisCountingUserStore::key_of("ada"), "c"});
  ASSERT_TRUE(hash);
  EXPECT_EQ(hash->str, "1");
  server.stop();
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(store.record_failed_login("ada", 1001, 60, 3, 300).count, 1) << "the store's own count";
  EXPECT_EQ(inner->failed_logins("ada").count, 1);
  EXPECT_EQ(store.failed_logins("ada").count, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s) << "no request waits on a dead Redis";
  server.start();
  ASSERT_TRUE(eventually([&] { return redis.command({"PING"}).has_value(); }));
  EXPECT_EQ(store.record_failed_login("ada", 1002, 60, 3, 300).count, 1) << "a restarted, empty Redis counts afresh";
  store.reset_failed_logins("ada");
  EXPECT_EQ(inner->failed_logins("ada").count, 0) << "a reset clears both";
  EXPECT_EQ(store.failed_logins("ada").count, 0);
}

TEST(RedisReplayStore, RedisRefusesReplaysAndTheDatabaseDecidesEveryFirstUse) {
  OwnRedis server;
  server.start();
  auto inner = store_of<token::ReplayStore, &SqliteBackend::replays>(open_memory_backend());
  RedisClient redis(server.options());
  RedisReplayStore store(*inner, redis);
  const UnixSeconds now = 1'800'000'000;
  EXPECT_TRUE(store.first_use("jwt a", now + 60, now));
  EXPECT_FALSE(store.first_use("jwt a", now + 60, now)) << "Redis refuses the replay";
  auto ttl = redis.command({"TTL", RedisReplayStore::key_of("jwt a")});
  ASSERT_TRUE(ttl);
  EXPECT_GT(ttl->integer, 55);
  EXPECT_LE(ttl->integer, 61) << "Redis forgets the key when the assertion expires";
  EXPECT_FALSE(inner->first_use("jwt a", now + 60, now)) << "the database knew it before the request was answered";
  EXPECT_TRUE(store.first_use("jwt b", now + 60, now));
  server.stop();
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(store.first_use("jwt b", now + 60, now)) << "accepted through Redis, refused by the database";
  EXPECT_TRUE(store.first_use("jwt c", now + 60, now)) << "the database answers while Redis is away";
  EXPECT_FALSE(store.first_use("jwt c", now + 60, now));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms) << "no request waits on a dead Redis";
  server.start();
  ASSERT_TRUE(eventually([&] { return redis.command({"PING"}).has_value(); }));
  EXPECT_FALSE(store.first_use("jwt c", now + 60, now)) << "a restarted, empty Redis does not forget the outage";
  EXPECT_TRUE(store.first_use("jwt d", now + 60, now));
  EXPECT_FALSE(store.first_use("jwt d", now + 60, now));
  EXPECT_TRUE(redis.command({"EXISTS", RedisReplayStore::key_of("jwt d")})->integer == 1) << "back on Redis";
}

TEST(RedisReplayStore, AKeyRedisLostIsStillRefusedOnEveryNode) {
  OwnRedis server;
  server.start();
  auto inner = store_of<token::ReplayStore, &SqliteBackend::replays>(open_memory_backend());
  RedisClient redis_a(server.options());
  RedisClient redis_b(server.options());
  // Two nodes sharing one database and one Redis.
  RedisReplayStore node_a(*inner, redis_a);
  RedisReplayStore node_b(*inner, redis_b);
  const UnixSeconds now = 1'800'000'000;
  ASSERT_TRUE(node_a.first_use("jwt x", now + 60, now));
  EXPECT_FALSE(node_b.first_use("jwt x", now + 60, now)) << "through Redis";
  // Redis loses everything (FLUSHALL; an eviction or a restart without persistence alike), while
  // it keeps answering: the database still refuses the replay, on either node, at once.
  ASSERT_TRUE(redis_a.command({"FLUSHALL"}));
  ASSERT_EQ(redis_a.command({"EXISTS", RedisReplayStore::key_of("jwt x")})->integer, 0);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(node_b.first_use("jwt x", now + 60, now)) << "refused by the database";
  EXPECT_FALSE(node_a.first_use("jwt x", now + 60, now));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms) << "nothing waits";
  EXPECT_TRUE(node_b.first_use("jwt y", now + 60, now));
}

TEST(RedisReplayStore, ADatabaseFailureLeavesTheKeyUndecided) {
  OwnRedis server;
  server.start();
  struct FailingOnce final : token::ReplayStore {
    explicit FailingOnce(token::ReplayStore& inner) : inner(inner) {}
    bool first_use(const std::string& key, UnixSeconds expires_at, UnixSeconds now) override {
      if (fail) {
        fail = false;
        throw StorageError("database away");
      }
      return inner.first_use(key, expires_at, now);
    }
    std::size_t purge_expired(UnixSeconds now, std::size_t limit) override { return inner.purge_expired(now, limit); }
    token::ReplayStore& inner;
    bool fail = true;
  };
  auto sqlite = store_of<token::ReplayStore, &SqliteBackend::replays>(open_memory_backend());
  FailingOnce inner(*sqlite);
  RedisClient redis(server.options());
  RedisReplayStore store(inner, redis);
  const UnixSeconds now = 1'800'000'000;
  EXPECT_THROW(store.first_use("jwt z", now + 60, now), StorageError);
  EXPECT_TRUE(store.first_use("jwt z", now + 60, now)) << "the retry is decided by the database, not refused by Redis";
  EXPECT_FALSE(store.first_use("jwt z", now + 60, now));
}

TEST(RedisReplayStore, ExactlyOneOfManyConcurrentUsesIsAccepted) {
  OwnRedis server;
  server.start();
  auto inner = store_of<token::ReplayStore, &SqliteBackend::replays>(open_memory_backend());
  RedisClient redis(server.options());
  RedisReplayStore store(*inner, redis);
  constexpr int kThreads = 4;
  constexpr int kKeys = 100;
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int k = 0; k < kKeys; ++k)
        if (store.first_use("race " + std::to_string(k), 2'000'000'000, 1'999'999'000)) ++accepted;
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(accepted.load(), kKeys);
  for (int k = 0; k < kKeys; ++k)
    EXPECT_FALSE(inner->first_use("race " + std::to_string(k), 2'000'000'000, 1'999'999'000)) << k;
}

TEST(RedisCounterStore, CountsInRedisWhileItAnswersAndInTheStoreWhileItDoesNot) {
  OwnRedis server;
  server.start();
  auto inner = store_of<limits::CounterStore, &SqliteBackend::rate_counters>(open_memory_backend());
  RedisClient redis(server.options());
  RedisCounterStore store(*inner, redis);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_EQ(store.hit("token-ip:0:10.0.0.1", now + 60), 1);
  EXPECT_EQ(store.hit("token-ip:0:10.0.0.1", now + 60), 2);
  EXPECT_EQ(store.hits("token-ip:0:10.0.0.1"), 2) << "read from Redis";
  EXPECT_EQ(store.hits("token-ip:0:10.0.0.9"), 0);
  store.release("token-ip:0:10.0.0.1");
  EXPECT_EQ(store.hits("token-ip:0:10.0.0.1"), 1) << "given back in Redis";
  EXPECT_EQ(store.hit("token-ip:0:10.0.0.1", now + 60), 2);
  store.release("token-ip:0:10.0.0.9");
  EXPECT_FALSE(redis.command({"EXISTS", RedisCounterStore::key_of("token-ip:0:10.0.0.9")})->integer)
      << "no window created by a release";
  auto ttl = redis.command({"TTL", RedisCounterStore::key_of("token-ip:0:10.0.0.1")});
  ASSERT_TRUE(ttl);
  EXPECT_GT(ttl->integer, 50) << "the window expires in Redis when it ends";
  EXPECT_LE(ttl->integer, 62);
  server.stop();
  EXPECT_EQ(store.hit("token-ip:0:10.0.0.1", now + 60), 1) << "the store's own count while Redis is away";
  EXPECT_EQ(inner->hit("token-ip:0:10.0.0.1", now + 60), 2);
  EXPECT_EQ(store.hits("token-ip:0:10.0.0.1"), 2) << "the store's count while Redis is away";
}

std::vector<user::testing::UserStoreBackend> redis_backends() {
  if (test_url() == nullptr) return {};
  return {user::testing::UserStoreBackend{"RedisCounters", [] { return counting_store(test_options()); }}};
}

// The contract's failed-sign-in tests are the store's rules; the others show the decorator forwards.
INSTANTIATE_TEST_SUITE_P(Redis, UserStoreContract, ::testing::ValuesIn(redis_backends()), user::testing::backend_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(UserStoreContract);

TEST(RedisCountingUserStore, TheContractRunsWhenRedisIsRequired) {
  if (required()) {
    EXPECT_NE(test_url(), nullptr) << "GATEHOUSE_TEST_REDIS_URL is not set";
  }
}

}  // namespace
}  // namespace gatehouse::cache

