#pragma once
// The contract every backend's UnitOfWork (Backend::units(), core/unit_of_work.hpp) passes (STYLE
// C12), over the stores completing a sign-in writes: login transactions, SSO sessions, codes, and
// recovery codes (whose replace() runs a transaction of its own inside the unit). Include it in
// exactly one .cpp of a test binary and instantiate it once per backend.

#include <future>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/testing/store_contract.hpp"
#include "storage/backend.hpp"

namespace gatehouse::storage::testing {

using UnitOfWorkBackend = contract::StoreBackend<Backend>;
inline constexpr auto unit_of_work_backend_name = &contract::backend_name<Backend>;

class UnitOfWorkContract : public contract::StoreContract<Backend> {
 protected:
  static constexpr UnixSeconds kNow = 1000;

  static signin::SignInTransaction transaction(const std::string& id) {
    signin::SignInTransaction t;
    t.id = id;
    t.csrf_hash = "csrf";
    t.continuation = {"oidc", "payload"};
    t.service = "app";
    t.created_at = kNow;
    t.expires_at = kNow + 600;
    return t;
  }
  static session::SsoSession session_of(const std::string& id_hash) {
    session::SsoSession s;
    s.id_hash = id_hash;
    s.sid = "sid-" + id_hash;
    s.user_id = "u1";
    s.auth_time = kNow;
    s.amr = "pwd";
    s.created_at = s.last_seen_at = kNow;
    s.expires_at = kNow + 3600;
    return s;
  }
  static token::AuthorizationCode code_of(const std::string& hash) {
    return token::AuthorizationCode{.code_hash = hash, .grant_id = "g-" + hash, .client_id = "app",
                                    .redirect_uri = "https://app.example/cb", .user_id = "u1",
                                    .created_at = kNow, .expires_at = kNow + 60};
  }
  bool has_transaction(const std::string& id) { return store().login_transactions().find(id, kNow).has_value(); }
  bool has_session(const std::string& id_hash) { return store().sso_sessions().find(id_hash, kNow, 3600).has_value(); }
  bool has_code(const std::string& hash) { return store().codes().find(hash).has_value(); }
  /// What another thread (another connection) sees meanwhile.
  bool elsewhere_has_transaction(const std::string& id) {
    return std::async(std::launch::async, [&] { return has_transaction(id); }).get();
  }
};

TEST_P(UnitOfWorkContract, CommitsEveryWriteWhenTheWorkReturns) {
  store().login_transactions().insert(transaction("tx1"));
  store().units().run([&] {
    EXPECT_TRUE(store().login_transactions().consume("tx1")) << "the unit reads what was committed before it";
    store().sso_sessions().insert(session_of("s1"));
    store().codes().insert(code_of("c1"));
    EXPECT_TRUE(has_session("s1")) << "the unit sees its own writes";
  });
  EXPECT_FALSE(has_transaction("tx1"));
  EXPECT_TRUE(has_session("s1"));
  EXPECT_TRUE(has_code("c1"));
  EXPECT_FALSE(store().login_transactions().consume("tx1")) << "consumed once, by the unit";
}

TEST_P(UnitOfWorkContract, OtherConnectionsSeeNothingOfItBeforeItCommits) {
  // SQLite's in-memory database (memdb) makes readers wait for a writer instead (tests only).
  if (GetParam().name == "Memory") GTEST_SKIP() << "memdb has no concurrent readers";
  store().login_transactions().insert(transaction("tx1"));
  bool gone_elsewhere = true;
  store().units().run([&] {
    ASSERT_TRUE(store().login_transactions().consume("tx1"));
    gone_elsewhere = !elsewhere_has_transaction("tx1");
  });
  EXPECT_FALSE(gone_elsewhere) << "another connection saw the consumption before the commit";
  EXPECT_FALSE(has_transaction("tx1"));
}

TEST_P(UnitOfWorkContract, AThrowUndoesEveryWriteAndGoesOn) {
  store().login_transactions().insert(transaction("tx1"));
  EXPECT_THROW(store().units().run([&] {
    ASSERT_TRUE(store().login_transactions().consume("tx1"));
    store().sso_sessions().insert(session_of("s1"));
    store().codes().insert(code_of("c1"));
    throw std::runtime_error("the front door failed");
  }),
               std::runtime_error);
  EXPECT_TRUE(has_transaction("tx1")) << "the consumption was rolled back: the user may post again";
  EXPECT_FALSE(has_session("s1"));
  EXPECT_FALSE(has_code("c1"));
  // The connection went back clean: the next writes commit on their own.
  store().codes().insert(code_of("c2"));
  EXPECT_TRUE(has_code("c2"));
}

TEST_P(UnitOfWorkContract, ANestedUnitJoinsTheOuterOne) {
  EXPECT_THROW(store().units().run([&] {
    store().units().run([&] { store().codes().insert(code_of("inner")); });
    EXPECT_TRUE(has_code("inner"));
    throw std::runtime_error("outer fails");
  }),
               std::runtime_error);
  EXPECT_FALSE(has_code("inner")) << "the inner unit committed on its own";
}

TEST_P(UnitOfWorkContract, AStoreTransactionInsideBecomesPartOfTheUnit) {
  // replace() runs its own transaction (delete the old set, insert the new one).
  EXPECT_THROW(store().units().run([&] {
    store().recovery_codes().replace("u1", {"h1", "h2"}, kNow);
    store().codes().insert(code_of("c1"));
    throw std::runtime_error("fails after");
  }),
               std::runtime_error);
  EXPECT_EQ(store().recovery_codes().remaining("u1"), 0u) << "the store's own commit escaped the unit";
  store().units().run([&] {
    store().recovery_codes().replace("u1", {"h1", "h2"}, kNow);
    store().codes().insert(code_of("c1"));
  });
  EXPECT_EQ(store().recovery_codes().remaining("u1"), 2u);
  EXPECT_TRUE(has_code("c1"));
}

TEST_P(UnitOfWorkContract, AFailedCallInsideFailsTheUnitEvenIfItsCallerWentOn) {
  store().codes().insert(code_of("dup"));
  EXPECT_THROW(store().units().run([&] {
    store().sso_sessions().insert(session_of("s1"));
    try {
      store().codes().insert(code_of("dup"));  // the primary key refuses it
      ADD_FAILURE() << "a duplicate code hash was stored";
    } catch (const StorageError&) {
      // swallowed, as an audit write's failure is: the unit must still not commit half of itself
    }
  }),
               StorageError);
  EXPECT_FALSE(has_session("s1"));
  store().sso_sessions().insert(session_of("s2"));
  EXPECT_TRUE(has_session("s2")) << "the connection went back clean";
}

TEST_P(UnitOfWorkContract, AfterCommitActionsRunOnceCommittedAndAreDroppedOnARollback) {
  std::vector<std::string> ran;
  store().units().run([&] {
    after_commit([&] { ran.push_back("outer " + std::to_string(has_session("s1"))); });
    store().units().run([&] { after_commit([&] { ran.push_back("inner"); }); });
    store().sso_sessions().insert(session_of("s1"));
    EXPECT_TRUE(ran.empty()) << "an action ran before the commit";
  });
  EXPECT_EQ(ran, (std::vector<std::string>{"outer 1", "inner"})) << "after the outermost unit, in order, the writes visible";
  ran.clear();
  EXPECT_THROW(store().units().run([&] {
    after_commit([&] { ran.push_back("rolled back"); });
    throw std::runtime_error("fails");
  }),
               std::runtime_error);
  EXPECT_TRUE(ran.empty()) << "an action of a rolled-back unit ran";
  after_commit([&] { ran.push_back("no unit"); });
  EXPECT_EQ(ran, std::vector<std::string>{"no unit"}) << "without a unit, at once";
  ran.clear();
  store().units().run([] {});
  EXPECT_TRUE(ran.empty()) << "the dropped action stayed queued for the next unit";
}

}  // namespace gatehouse::storage::testing
