#include "keys/master_key.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "core/base64url.hpp"
#include "core/error.hpp"
#include "jose/openssl/crypto.hpp"
#include "keys/key_ring.hpp"
#include "storage/sqlite/sqlite_backend.hpp"

namespace gatehouse::keys {
namespace {

class MasterKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("gh-mk-" + jose::random_token(6));
    backend_ = std::make_unique<storage::sqlite::SqliteBackend>(storage::sqlite::SqliteOptions{":memory:", 2});
    backend_->migrate();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string key_file() const { return (dir_ / "sub" / "master.key").string(); }

  std::filesystem::path dir_;
  std::unique_ptr<storage::sqlite::SqliteBackend> backend_;
};

TEST_F(MasterKeyTest, FirstStartCreatesAPrivateKeyFileAndStoresTheCheckValue) {
  auto key = load_master_key({key_file(), {}}, backend_->keys());
  struct stat st {};
  ASSERT_EQ(::stat(key_file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  ASSERT_TRUE(backend_->keys().key_check().has_value());
  EXPECT_EQ(*backend_->keys().key_check(), key.check_value());
  // The same file again is accepted and yields the same subkeys.
  auto again = load_master_key({key_file(), {}}, backend_->keys());
  EXPECT_EQ(again.derive(kClientSecretHashPurpose).reveal(), key.derive(kClientSecretHashPurpose).reveal());
}

TEST_F(MasterKeyTest, ADifferentKeyIsRefusedAndNothingIsOverwritten) {
  load_master_key({key_file(), {}}, backend_->keys());
  auto stored = *backend_->keys().key_check();
  MasterKeyBytes other(base64url_encode(jose::random_bytes(32)));
  try {
    load_master_key({key_file(), other}, backend_->keys());
    FAIL() << "a different master key was accepted";
  } catch (const StartupError& e) {
    EXPECT_NE(std::string(e.what()).find("does not match"), std::string::npos) << e.what();
  }
  EXPECT_EQ(*backend_->keys().key_check(), stored);
}

TEST_F(MasterKeyTest, AMissingFileIsNotRecreatedWhenTheDatabaseKnowsAKey) {
  load_master_key({key_file(), {}}, backend_->keys());
  std::filesystem::remove(key_file());
  EXPECT_THROW(load_master_key({key_file(), {}}, backend_->keys()), StartupError);
  EXPECT_FALSE(std::filesystem::exists(key_file()));
}

TEST_F(MasterKeyTest, InlineKeyMustBe32Bytes) {
  EXPECT_THROW(load_master_key({key_file(), MasterKeyBytes("c2hvcnQ")}, backend_->keys()), StartupError);
}

TEST_F(MasterKeyTest, StandardBase64WithPaddingIsAcceptedAsWellAsBase64url) {
  // 32 bytes chosen so the standard text has both '+' and '/' and ends in '='.
  const std::string raw(32, '\xfb');
  const std::string standard = base64_encode(raw);
  ASSERT_NE(standard.find('+'), std::string::npos);
  ASSERT_NE(standard.find('/'), std::string::npos);
  ASSERT_EQ(standard.back(), '=');
  const std::string url = base64url_encode(raw);
  auto a = load_master_key({key_file(), MasterKeyBytes(standard + "\n")}, backend_->keys());
  auto b = load_master_key({key_file(), MasterKeyBytes(url)}, backend_->keys());
  EXPECT_EQ(a.check_value(), b.check_value());
  // The same from a file, as `openssl rand -base64 32 > master.key` writes it.
  std::filesystem::create_directories(dir_ / "sub");
  std::ofstream(key_file()) << standard << "\n";
  EXPECT_EQ(load_master_key({key_file(), {}}, backend_->keys()).check_value(), a.check_value());
}

TEST_F(MasterKeyTest, MixedAlphabetsAndWrongLengthsAreRefused) {
  const std::string raw(32, '\xfb');
  std::string mixed = base64_encode(raw);
  mixed[0] = '-';
  EXPECT_THROW(load_master_key({key_file(), MasterKeyBytes(mixed)}, backend_->keys()), StartupError);
  EXPECT_THROW(load_master_key({key_file(), MasterKeyBytes(base64_encode(std::string(31, 'a')))}, backend_->keys()),
               StartupError);
  EXPECT_THROW(load_master_key({key_file(), MasterKeyBytes(base64_encode(std::string(33, 'a')))}, backend_->keys()),
               StartupError);
}

TEST_F(MasterKeyTest, SubkeysDifferByPurpose) {
  MasterKey key(jose::random_bytes(32));
  EXPECT_NE(key.derive(kClientSecretHashPurpose).reveal(), key.derive(kApiKeyHashPurpose).reveal());
  EXPECT_EQ(key.derive(kKeyEncryptionPurpose).size(), 32u);
}

TEST_F(MasterKeyTest, SigningKeysAreSealedAndOnlyOneCurrentKeyPerAlgorithmIsKept) {
  FixedClock clock(1'700'000'000);
  MasterKey master(jose::random_bytes(32));
  KeyManager manager(backend_->keys(), master, clock);
  manager.ensure_current_keys({jose::Algorithm::kRS256, jose::Algorithm::kES256});
  manager.ensure_current_keys({jose::Algorithm::kRS256, jose::Algorithm::kES256});
  auto stored = backend_->keys().list_active();
  ASSERT_EQ(stored.size(), 2u);
  for (const auto& k : stored) {
    // The private key is not stored in the clear: the sealed bytes do not parse as DER.
    EXPECT_THROW(jose::KeyPair::from_private_der(*jose::algorithm_from_string(k.alg), k.sealed_private), CryptoError);
  }
  auto set = manager.load();
  ASSERT_NE(set->signer(jose::Algorithm::kRS256), nullptr);
  ASSERT_NE(set->signer(jose::Algorithm::kES256), nullptr);
  const auto* rs = set->signer(jose::Algorithm::kRS256);
  EXPECT_EQ(rs->kid, rs->pair->thumbprint());
  EXPECT_NE(set->jwks_json().find(rs->kid), std::string::npos);
  EXPECT_EQ(set->jwks_json().find("\"d\""), std::string::npos);  // no private member in the JWKS

  // Another master key cannot open the stored keys.
  MasterKey other(jose::random_bytes(32));
  KeyManager wrong(backend_->keys(), other, clock);
  EXPECT_THROW(wrong.load(), StartupError);
}

}  // namespace
}  // namespace gatehouse::keys
