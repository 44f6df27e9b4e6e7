// Key rotation on a real (in-memory SQLite) key store with a clock the test moves: next keys are
// published ahead, take over after the period, and the previous key stays verifiable until it
// retires.
#include <gtest/gtest.h>

#include "jose/openssl/crypto.hpp"
#include "keys/key_ring.hpp"
#include "storage/sqlite/sqlite_backend.hpp"

namespace gatehouse::keys {
namespace {

class KeyRotationTest : public ::testing::Test {
 protected:
  KeyRotationTest()
      : backend_(storage::sqlite::SqliteOptions{":memory:", 2}),
        clock_(1'800'000'000),
        master_(jose::random_bytes(32)),
        manager_(backend_.keys(), master_, clock_) {
    backend_.migrate();
    manager_.ensure_current_keys({jose::Algorithm::kES256});
  }

  std::optional<StoredKey> key(KeyState state) {
    for (auto& k : backend_.keys().list_active())
      if (k.state == state) return k;
    return std::nullopt;
  }
  RotationResult rotate(bool force = false) { return manager_.rotate({jose::Algorithm::kES256}, policy_, force); }

  storage::sqlite::SqliteBackend backend_;
  FixedClock clock_;
  MasterKey master_;
  KeyManager manager_;
  RotationPolicy policy_{3600, 300, 900};
};

TEST_F(KeyRotationTest, KeysMoveFromNextToCurrentToPreviousToRetiredOnSchedule) {
  const auto first = key(KeyState::kCurrent)->kid;
  auto r = rotate();
  EXPECT_EQ(r.generated, std::vector<std::string>{"ES256"}) << "a next key is published at once";
  EXPECT_TRUE(r.rotated.empty());
  const auto next = key(KeyState::kNext)->kid;
  auto set = manager_.load();
  EXPECT_NE(set->jwks_json().find(next), std::string::npos) << "the next key is in the JWKS";
  EXPECT_EQ(set->signer(jose::Algorithm::kES256)->kid, first) << "but does not sign yet";

  clock_.advance(3599);
  EXPECT_FALSE(rotate().changed()) << "the period has not passed";
  clock_.advance(1);
  r = rotate();
  EXPECT_EQ(r.rotated, std::vector<std::string>{"ES256"});
  EXPECT_EQ(r.generated, std::vector<std::string>{"ES256"}) << "and the one after it is published";
  set = manager_.load();
  EXPECT_EQ(set->signer(jose::Algorithm::kES256)->kid, next);
  EXPECT_NE(set->verifier(first, jose::Algorithm::kES256), nullptr) << "the previous key still verifies";
  EXPECT_NE(set->jwks_json().find(first), std::string::npos);
  EXPECT_EQ(key(KeyState::kPrevious)->retires_at, clock_.now() + 900);

  clock_.advance(900);
  r = rotate();
  EXPECT_EQ(r.retired, 1u);
  set = manager_.load();
  EXPECT_EQ(set->verifier(first, jose::Algorithm::kES256), nullptr) << "retired: no longer in the JWKS";
  EXPECT_EQ(set->jwks_json().find(first), std::string::npos);
}

TEST_F(KeyRotationTest, AForcedRotationWaitsUntilTheNextKeyHasBeenPublishedLongEnough) {
  rotate();  // publishes the next key
  clock_.advance(100);
  auto early = rotate(true);
  EXPECT_TRUE(early.rotated.empty());
  EXPECT_NE(early.refused.find("ES256: the next key was published 100 s ago"), std::string::npos) << early.refused;
  clock_.advance(200);
  auto forced = rotate(true);
  EXPECT_EQ(forced.rotated, std::vector<std::string>{"ES256"}) << "long before the period is over";
  EXPECT_TRUE(forced.refused.empty());
}

TEST_F(KeyRotationTest, TwoNodesRotatingAtOnceRotateOnce) {
  KeyManager other(backend_.keys(), master_, clock_);
  rotate();
  clock_.advance(3600);
  auto a = rotate();
  auto b = other.rotate({jose::Algorithm::kES256}, policy_, false);
  EXPECT_EQ(a.rotated.size() + b.rotated.size(), 1u);
  int current = 0, previous = 0;
  for (const auto& k : backend_.keys().list_active()) {
    current += k.state == KeyState::kCurrent;
    previous += k.state == KeyState::kPrevious;
  }
  EXPECT_EQ(current, 1);
  EXPECT_EQ(previous, 1) << "the new current key was not rotated away at once";
}

}  // namespace
}  // namespace gatehouse::keys
