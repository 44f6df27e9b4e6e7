// The first signing keys through the job "keys.bootstrap": generated once, by the node that claims
// the job, recorded as a job run; a node that finds the job leased by another waits for its keys.
#include <gtest/gtest.h>

#include "jose/openssl/crypto.hpp"
#include "keys/bootstrap.hpp"
#include "storage/sqlite/sqlite_backend.hpp"

namespace gatehouse::keys {
namespace {

/// Moves on by `step_ms` each time it is read, so a wait loop with a deadline ends without sleeping long.
class SteppingClock final : public Clock {
 public:
  SteppingClock(UnixMillis start, UnixMillis step_ms) : t_(start), step_(step_ms) {}
  UnixSeconds now() const override { return now_ms() / 1000; }
  UnixMillis now_ms() const override { return t_ += step_; }

 private:
  mutable UnixMillis t_;
  UnixMillis step_;
};

class KeyBootstrapTest : public ::testing::Test {
 protected:
  KeyBootstrapTest() : backend_(storage::sqlite::SqliteOptions{":memory:", 2}), master_(jose::random_bytes(32)) {
    backend_.migrate();
  }
  std::size_t current_keys() {
    std::size_t n = 0;
    for (const auto& k : backend_.keys().list_active()) n += k.state == KeyState::kCurrent;
    return n;
  }
  storage::sqlite::SqliteBackend backend_;
  MasterKey master_;
};

TEST_F(KeyBootstrapTest, TheNodeThatClaimsTheJobGeneratesTheKeysOnceAndTheRunIsRecorded) {
  FixedClock clock(1'800'000'000);
  KeyManager manager(backend_.keys(), master_, clock);
  const std::vector<jose::Algorithm> algs{jose::Algorithm::kES256};
  ensure_keys_once(backend_.keys(), backend_.jobs(), manager, algs, clock, "node-a");
  EXPECT_EQ(current_keys(), 1u);
  auto runs = backend_.jobs().runs("keys.bootstrap", 10);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].node_id, "node-a");
  EXPECT_EQ(runs[0].outcome, "ok");
  // A second start finds the keys and runs nothing.
  ensure_keys_once(backend_.keys(), backend_.jobs(), manager, algs, clock, "node-b");
  EXPECT_EQ(current_keys(), 1u);
  EXPECT_EQ(backend_.jobs().runs("keys.bootstrap", 10).size(), 1u);
}

TEST_F(KeyBootstrapTest, ANodeThatFindsTheJobLeasedWaitsThenGeneratesItselfWhenTheHolderNeverFinishes) {
  SteppingClock clock(1'800'000'000'000, 10'000);  // each read of the clock is 10 s later
  KeyManager manager(backend_.keys(), master_, clock);
  backend_.jobs().ensure("keys.bootstrap", 0, 0);
  ASSERT_TRUE(backend_.jobs().claim("keys.bootstrap", "node-a", clock.now_ms(), 10 * 60'000));  // holds it 10 min
  ensure_keys_once(backend_.keys(), backend_.jobs(), manager, {jose::Algorithm::kES256}, clock, "node-b");
  EXPECT_EQ(current_keys(), 1u);
  // node-b never got the claim: the only run is node-a's, still running.
  auto runs = backend_.jobs().runs("keys.bootstrap", 10);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].node_id, "node-a");
}

}  // namespace
}  // namespace gatehouse::keys
