#include "client/client_cache.hpp"

#include <functional>
#include <map>

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace gatehouse::client {
namespace {

/// A map-backed store that counts reads (a unit-test fake; the real stores have contract suites).
class CountingStore final : public ClientStore {
 public:
  std::optional<Client> find(const std::string& id) override {
    ++finds;
    if (before_read) before_read();
    auto it = clients.find(id);
    if (it == clients.end()) return std::nullopt;
    return it->second;
  }
  ClientPage list(std::size_t, std::size_t) override { return {}; }
  bool insert(const Client& c) override { return clients.emplace(c.client_id, c).second; }
  UpdateResult update(const Client& c) override {
    auto it = clients.find(c.client_id);
    if (it == clients.end()) return UpdateResult::kNotFound;
    it->second = c;
    return UpdateResult::kOk;
  }
  bool remove(const std::string& id) override { return clients.erase(id) == 1; }

  std::map<std::string, Client> clients;
  int finds = 0;
  std::function<void()> before_read;
};

Client make(std::string id, std::string name) {
  Client c;
  c.client_id = std::move(id);
  c.client_name = std::move(name);
  return c;
}

TEST(ClientCache, ServesRepeatReadsFromMemory) {
  CountingStore inner;
  inner.insert(make("a", "one"));
  CachingClientStore cache(inner, std::chrono::seconds(30));
  EXPECT_EQ(cache.peek("a"), nullptr);
  EXPECT_EQ(cache.find("a")->client_name, "one");
  EXPECT_EQ(cache.find("a")->client_name, "one");
  EXPECT_EQ(inner.finds, 1);
  ASSERT_NE(cache.peek("a"), nullptr);
}

TEST(ClientCache, EntriesExpireAfterTheTtl) {
  CountingStore inner;
  inner.insert(make("a", "one"));
  CachingClientStore cache(inner, std::chrono::seconds(0));  // everything is expired at once
  cache.find("a");
  EXPECT_EQ(cache.peek("a"), nullptr);
  cache.find("a");
  EXPECT_EQ(inner.finds, 2);
}

TEST(ClientCache, AFullCacheStartsOver) {
  CountingStore inner;
  for (const char* id : {"a", "b", "c"}) inner.insert(make(id, id));
  CachingClientStore cache(inner, std::chrono::seconds(30), 2);
  cache.find("a");
  cache.find("b");
  cache.find("c");  // over capacity: the old entries go
  EXPECT_EQ(cache.peek("a"), nullptr);
  EXPECT_NE(cache.peek("c"), nullptr);
}

TEST(ClientCache, AWriteThatThrowsStillInvalidatesAfterwards) {
  // A store whose update refills the cache (a concurrent reader) and then reports a failure that
  // may hide a committed write: the entry must not survive.
  struct Flaky final : public ClientStore {
    std::optional<Client> find(const std::string& id) override { return make(id, "old"); }
    ClientPage list(std::size_t, std::size_t) override { return {}; }
    bool insert(const Client&) override { return true; }
    UpdateResult update(const Client& c) override {
      cache->find(c.client_id);
      throw StorageError("lost acknowledgement");
    }
    bool remove(const std::string&) override { return true; }
    CachingClientStore* cache = nullptr;
  };
  Flaky flaky;
  CachingClientStore cache(flaky, std::chrono::seconds(30));
  flaky.cache = &cache;
  EXPECT_THROW(cache.update(make("a", "new")), StorageError);
  EXPECT_EQ(cache.peek("a"), nullptr);
}

TEST(ClientCache, WritesThroughTheCacheInvalidateAndMissesAreNotCached) {
  CountingStore inner;
  CachingClientStore cache(inner, std::chrono::seconds(30));
  EXPECT_FALSE(cache.find("a"));
  EXPECT_TRUE(cache.insert(make("a", "one")));
  EXPECT_EQ(cache.find("a")->client_name, "one");  // the miss was not remembered
  EXPECT_EQ(cache.update(make("a", "two")), UpdateResult::kOk);
  EXPECT_EQ(cache.peek("a"), nullptr);
  EXPECT_EQ(cache.find("a")->client_name, "two");
  EXPECT_TRUE(cache.remove("a"));
  EXPECT_EQ(cache.peek("a"), nullptr);
  EXPECT_FALSE(cache.find("a"));
}

TEST(ClientCache, AReadRacingAnInvalidationDoesNotReinsertTheOldValue) {
  CountingStore inner;
  inner.insert(make("a", "old"));
  CachingClientStore cache(inner, std::chrono::seconds(30));
  // While find() reads the old row, another node's change arrives and invalidates the entry.
  inner.before_read = [&] {
    inner.before_read = nullptr;
    cache.invalidate("a");
  };
  EXPECT_EQ(cache.find("a")->client_name, "old");
  EXPECT_EQ(cache.peek("a"), nullptr);
}

}  // namespace
}  // namespace gatehouse::client
