#pragma once
// The contract every admin::AuditStore backend passes (STYLE C12). Include it in exactly one .cpp
// of a test binary and instantiate it once per backend with an AuditStoreBackend and
// audit_backend_name; make() returns a fresh, empty, migrated store.

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "admin/audit_store.hpp"
#include "core/testing/store_contract.hpp"

namespace gatehouse::admin::testing {

using AuditStoreBackend = contract::StoreBackend<AuditStore>;
inline constexpr auto audit_backend_name = &contract::backend_name<AuditStore>;

class AuditStoreContract : public contract::StoreContract<AuditStore> {
 protected:
  static AuditEvent event(UnixMillis at, std::string action, std::string target = "app-1", std::string actor = "api-key:k1") {
    return AuditEvent{0, at, "node-a", std::move(actor), std::move(action), std::move(target), "198.51.100.7", 201,
                      "", R"({"client_id":"app-1","client_name":"Caf\u00e9 \"quoted\""})"};
  }
  static std::vector<std::string> actions(const std::vector<AuditEvent>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.action);
    return out;
  }
};

TEST_P(AuditStoreContract, AppendsAndListsNewestFirstWithEveryField) {
  const auto first = store().append(event(1000, "application.create"));
  const auto second = store().append(AuditEvent{0, 2000, "node-b", "login:ada", "sign_in.failure", "web", "::1", 0, "", ""});
  EXPECT_GT(second, first);
  const auto all = store().list({}, 10);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, second);
  EXPECT_EQ(all[0].action, "sign_in.failure");
  EXPECT_EQ(all[0].node_id, "node-b");
  EXPECT_EQ(all[0].status, 0);
  const auto& e = all[1];
  EXPECT_EQ(e.id, first);
  EXPECT_EQ(e.at, 1000);
  EXPECT_EQ(e.node_id, "node-a");
  EXPECT_EQ(e.actor, "api-key:k1");
  EXPECT_EQ(e.target, "app-1");
  EXPECT_EQ(e.client_address, "198.51.100.7");
  EXPECT_EQ(e.status, 201);
  EXPECT_EQ(e.before, "");
  EXPECT_EQ(e.after, event(0, "").after);
}

TEST_P(AuditStoreContract, FiltersCombineAndPagesFollowBeforeId) {
  store().append(event(1000, "application.create", "app-1"));
  store().append(event(2000, "application.update", "app-1"));
  store().append(event(3000, "user.create", "u-1"));
  store().append(event(4000, "application.delete", "app-2", "api-key:k2"));
  store().append(event(5000, "applicationx.other", "app-3"));
  using V = std::vector<std::string>;
  EXPECT_EQ(actions(store().list({.action = "application."}, 10)), (V{"application.delete", "application.update", "application.create"}));
  EXPECT_EQ(actions(store().list({.action = "application.update"}, 10)), (V{"application.update"}));
  EXPECT_EQ(actions(store().list({.action = "application"}, 10)), V{}) << "a prefix must end in '.'";
  EXPECT_EQ(actions(store().list({.actor = "api-key:k2"}, 10)), (V{"application.delete"}));
  EXPECT_EQ(actions(store().list({.target = "app-1"}, 10)), (V{"application.update", "application.create"}));
  EXPECT_EQ(actions(store().list({.since = 2000, .until = 4000}, 10)), (V{"user.create", "application.update"}));
  const auto page1 = store().list({}, 2);
  ASSERT_EQ(page1.size(), 2u);
  const auto page2 = store().list({.before_id = page1.back().id}, 2);
  EXPECT_EQ(actions(page2), (V{"user.create", "application.update"}));
  EXPECT_EQ(store().list({.before_id = page2.back().id}, 10).size(), 1u);
  EXPECT_TRUE(store().list({.action = "application.", .actor = "api-key:k9"}, 10).empty());
}

TEST_P(AuditStoreContract, PurgeDeletesOldEventsInBoundedBatches) {
  for (int i = 0; i < 5; ++i) store().append(event(100 + i, "user.update"));
  store().append(event(10'000, "user.update"));
  EXPECT_EQ(store().purge_before(1000, 0), 0u);
  EXPECT_EQ(store().purge_before(1000, 3), 3u);
  EXPECT_EQ(store().purge_before(1000, 3), 2u);
  EXPECT_EQ(store().purge_before(1000, 3), 0u);
  EXPECT_EQ(store().list({}, 10).size(), 1u);
}

TEST_P(AuditStoreContract, ConcurrentAppendsAllGetDistinctIds) {
  std::vector<std::thread> threads;
  std::mutex mutex;
  std::set<std::int64_t> ids;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        const auto id = store().append(event(1000, "user.update"));
        std::lock_guard lock(mutex);
        ids.insert(id);
      }
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ids.size(), 100u);
  EXPECT_EQ(store().list({}, 1000).size(), 100u);
}

}  // namespace gatehouse::admin::testing
