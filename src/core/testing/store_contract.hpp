#pragma once
// The harness every storage contract suite shares (STYLE C12): a suite is a TEST_P fixture over
// StoreContract<Port>, instantiated once per backend with a StoreBackend<Port> that names the
// backend and makes a fresh, empty, migrated store. The shared_ptr owns whatever keeps the store
// alive (typically the backend itself, through shared_ptr's aliasing constructor).

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include <gtest/gtest.h>

namespace gatehouse::contract {

template <class Store>
struct StoreBackend {
  std::string name;  ///< test-name suffix: letters, digits and underscores only
  std::function<std::shared_ptr<Store>()> make;
};

template <class Store>
std::string backend_name(const ::testing::TestParamInfo<StoreBackend<Store>>& info) {
  return info.param.name;
}

template <class Store>
void PrintTo(const StoreBackend<Store>& backend, std::ostream* os) {
  *os << backend.name;
}

template <class Store>
class StoreContract : public ::testing::TestWithParam<StoreBackend<Store>> {
 protected:
  void SetUp() override {
    store_ = this->GetParam().make();
    ASSERT_NE(store_, nullptr);
  }
  Store& store() { return *store_; }

 private:
  std::shared_ptr<Store> store_;
};

}  // namespace gatehouse::contract
