#include "user/password_hasher.hpp"

#include <gtest/gtest.h>

namespace gatehouse::user {
namespace {

// Small parameters keep the test fast; the production defaults are checked separately.
constexpr Argon2Params kFast{64, 1, 1};

TEST(PasswordHasher, HashesAreSaltedPhcStringsThatVerify) {
  PasswordHasher hasher(kFast);
  auto a = hasher.hash(user::Password("correct horse battery staple"));
  auto b = hasher.hash(user::Password("correct horse battery staple"));
  EXPECT_NE(a, b);  // random salt
  EXPECT_EQ(a.rfind("$argon2id$v=19$m=64,t=1,p=1$", 0), 0u) << a;
  EXPECT_TRUE(hasher.verify(user::Password("correct horse battery staple"), a));
  EXPECT_FALSE(hasher.verify(user::Password("correct horse battery stapl"), a));
  EXPECT_FALSE(hasher.verify(user::Password(""), a));
}

TEST(PasswordHasher, MalformedOrForeignHashesNeverVerify) {
  PasswordHasher hasher(kFast);
  EXPECT_FALSE(hasher.verify(user::Password("x"), ""));
  EXPECT_FALSE(hasher.verify(user::Password("x"), "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"));
  EXPECT_FALSE(hasher.verify(user::Password("x"), "$argon2id$v=19$m=64,t=1,p=1$!!!$???"));
  EXPECT_FALSE(hasher.verify(user::Password("x"), "plaintext"));
}

TEST(PasswordHasher, ParametersTravelWithTheHash) {
  PasswordHasher old_hasher(kFast);
  auto old_hash = old_hasher.hash(user::Password("pw"));
  PasswordHasher new_hasher(Argon2Params{128, 2, 1});
  EXPECT_TRUE(new_hasher.verify(user::Password("pw"), old_hash));  // old hashes keep working
  EXPECT_TRUE(new_hasher.needs_rehash(old_hash));
  EXPECT_FALSE(new_hasher.needs_rehash(new_hasher.hash(user::Password("pw"))));
}

TEST(PasswordHasher, DefaultsAreArgon2idWith19MiBAndTwoPasses) {
  PasswordHasher hasher(Argon2Params{});
  auto h = hasher.hash(user::Password("pw"));
  EXPECT_EQ(h.rfind("$argon2id$v=19$m=19456,t=2,p=1$", 0), 0u) << h;
  EXPECT_TRUE(hasher.verify(user::Password("pw"), h));
}

}  // namespace
}  // namespace gatehouse::user
