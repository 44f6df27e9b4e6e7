#pragma once
// The contract every settings::SettingsStore backend passes (STYLE C12). Include it in exactly one
// .cpp of a test binary and instantiate it once per backend (core/testing/store_contract.hpp).

#include <atomic>
#include <functional>
#include <latch>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/testing/store_contract.hpp"
#include "settings/settings_store.hpp"

namespace gatehouse::settings::testing {

using SettingsStoreBackend = contract::StoreBackend<SettingsStore>;

inline constexpr auto backend_name = &contract::backend_name<SettingsStore>;

class SettingsStoreContract : public contract::StoreContract<SettingsStore> {};

TEST_P(SettingsStoreContract, UnknownNameHasNoValue) { EXPECT_FALSE(store().get("nothing").has_value()); }

TEST_P(SettingsStoreContract, FirstInsertWinsAndValuesRoundTripExactly) {
  const std::string binary("a\0b\xff", 4);
  EXPECT_TRUE(store().insert_if_absent("k", binary));
  EXPECT_FALSE(store().insert_if_absent("k", "other"));
  ASSERT_TRUE(store().get("k").has_value());
  EXPECT_EQ(*store().get("k"), binary);
  EXPECT_TRUE(store().insert_if_absent("empty", ""));
  EXPECT_EQ(*store().get("empty"), "");
}

TEST_P(SettingsStoreContract, PutReplacesAndInsertIfAbsentKeepsIt) {
  store().put("theme", "one");
  EXPECT_EQ(*store().get("theme"), "one");
  store().put("theme", std::string("two\0", 4));
  EXPECT_EQ(*store().get("theme"), std::string("two\0", 4));
  EXPECT_FALSE(store().insert_if_absent("theme", "three"));
  EXPECT_EQ(*store().get("theme"), std::string("two\0", 4));
}

TEST_P(SettingsStoreContract, ConcurrentInsertsHaveExactlyOneWinner) {
  constexpr int kThreads = 8;
  std::atomic<int> winners{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      if (store().insert_if_absent("race", "value-" + std::to_string(i))) winners.fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
  ASSERT_TRUE(store().get("race").has_value());
  EXPECT_EQ(store().get("race")->rfind("value-", 0), 0u);
}

}  // namespace gatehouse::settings::testing
