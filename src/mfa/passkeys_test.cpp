// mfa::Passkeys against a real (in-memory SQLite) store, a fixed clock and the soft authenticator:
// both ceremonies for each key type, the challenge used once and only for its purpose, context
// and user, the relying party's origin and rp id, duplicate ids, the counter, the user handle, and
// malformed answers, each refused with nothing stored.

#include "mfa/passkeys.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "core/base64url.hpp"
#include "storage/sqlite/sqlite_backend.hpp"
#include "webauthn/testing/soft_authenticator.hpp"

namespace gatehouse::mfa {
namespace {

namespace json = boost::json;
using webauthn::CoseAlgorithm;
using webauthn::testing::ClientContext;
using webauthn::testing::Flags;
using webauthn::testing::SoftCredential;

constexpr std::string_view kOrigin = "http://localhost:9011";

std::string challenge_of(const std::string& options) {
  return std::string(json::parse(options).as_object().at("challenge").as_string());
}

ClientContext ctx(const std::string& challenge, std::string origin = std::string(kOrigin), std::string rp_id = "localhost") {
  return ClientContext{std::move(origin), std::move(rp_id), challenge, false};
}

std::string registration_json(const SoftCredential& c, const webauthn::testing::RegistrationResponse& r, bool rk = true) {
  const auto id = base64url_encode(c.credential_id());
  json::object o{{"id", id}, {"rawId", id}, {"type", "public-key"}};
  o["response"] = {{"clientDataJSON", base64url_encode(r.client_data_json)},
                   {"attestationObject", base64url_encode(r.attestation_object)},
                   {"transports", json::array{"usb", "internal", "<bad>"}}};
  o["clientExtensionResults"] = {{"credProps", {{"rk", rk}}}};
  return json::serialize(o);
}

std::string assertion_json(const SoftCredential& c, const webauthn::testing::AssertionResponse& r, std::string_view user_handle) {
  const auto id = base64url_encode(c.credential_id());
  json::object o{{"id", id}, {"rawId", id}, {"type", "public-key"}};
  o["response"] = {{"clientDataJSON", base64url_encode(r.client_data_json)},
                   {"authenticatorData", base64url_encode(r.authenticator_data)},
                   {"signature", base64url_encode(r.signature)},
                   {"userHandle", user_handle.empty() ? json::value(nullptr) : json::value(base64url_encode(user_handle))}};
  return json::serialize(o);
}

class PasskeysTest : public ::testing::Test {
 protected:
  PasskeysTest()
      : backend_(storage::sqlite::SqliteOptions{":memory:", 2}),
        clock_(1'800'000'000),
        passkeys_(PasskeysDeps{.passkeys = backend_.passkeys(),
                               .challenges = backend_.webauthn_challenges(),
                               .clock = clock_,
                               .rp = {"localhost", {std::string(kOrigin)}},
                               .rp_name = "localhost"}) {
    backend_.migrate();
    for (const char* name : {"ada", "bob"}) {
      user::User u;
      u.id = std::string("id-") + name;
      u.username = name;
      EXPECT_EQ(backend_.users().insert(u), user::UserWriteResult::kOk);
      users_.push_back(u);
    }
  }

  const user::User& ada() const { return users_[0]; }
  const user::User& bob() const { return users_[1]; }

  /// Registers `c` for `u` (counter `count`, flags `flags`) through the options and the answer.
  Result<Passkey, PasskeyError> enrol(const user::User& u, const SoftCredential& c, std::uint32_t count = 1,
                                      Flags flags = {}, std::string_view context = "") {
    auto challenge = challenge_of(passkeys_.registration_options(u, context));
    return passkeys_.finish_registration(u.id, context, registration_json(c, c.register_credential(ctx(challenge), flags, count)), "Key");
  }

  Result<PasskeySignIn, PasskeyError> sign_in(const std::string& user_id, const SoftCredential& c, std::uint32_t count,
                                              std::string_view user_handle, std::string_view context = "tx-1",
                                              Flags flags = {}) {
    auto challenge = challenge_of(passkeys_.authentication_options(user_id, context));
    return passkeys_.finish_authentication(user_id, context, assertion_json(c, c.assert_credential(ctx(challenge), flags, count), user_handle));
  }

  storage::sqlite::SqliteBackend backend_;
  FixedClock clock_;
  Passkeys passkeys_;
  std::vector<user::User> users_;
};

template <class T>
PasskeyErrorCode code_of(const Result<T, PasskeyError>& r) {
  EXPECT_FALSE(r.has_value());
  return r ? PasskeyErrorCode::kRace : r.error().code;
}

TEST_F(PasskeysTest, RegistersAndSignsInWithEachKeyType) {
  for (auto alg : {CoseAlgorithm::kES256, CoseAlgorithm::kRS256, CoseAlgorithm::kEdDSA}) {
    SCOPED_TRACE(static_cast<int>(alg));
    const auto c = SoftCredential::generate(alg);
    auto p = enrol(ada(), c, 0, Flags{.backup_eligible = true, .backup_state = true});
    ASSERT_TRUE(p) << p.error().message;
    auto stored = backend_.passkeys().find(base64url_encode(c.credential_id()));
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->user_id, ada().id);
    EXPECT_EQ(stored->algorithm, static_cast<int>(alg));
    EXPECT_TRUE(stored->backup_eligible);
    EXPECT_TRUE(stored->backup_state);
    EXPECT_TRUE(stored->discoverable);
    EXPECT_TRUE(stored->user_verified);
    EXPECT_EQ(stored->transports, "usb internal");
    EXPECT_EQ(stored->aaguid, "67617465686f7573652d736f66740001");
    // As a second factor of ada, then passwordless (the user from the user handle).
    auto second = sign_in(ada().id, c, 0, ada().id);
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_TRUE(second->user_verified);
    auto alone = sign_in("", c, 0, ada().id, "tx-2", Flags{.user_verified = false});
    ASSERT_TRUE(alone) << alone.error().message;
    EXPECT_EQ(alone->passkey.user_id, ada().id);
    EXPECT_FALSE(alone->user_verified);
    EXPECT_EQ(backend_.passkeys().find(stored->credential_id)->last_used_at, clock_.now());
  }
}

TEST_F(PasskeysTest, OptionsFollowTheContract) {
  const auto c = SoftCredential::generate(CoseAlgorithm::kES256);
  ASSERT_TRUE(enrol(ada(), c));
  auto reg = json::parse(passkeys_.registration_options(ada(), "")).as_object();
  EXPECT_EQ(reg.at("rp").at("id"), "localhost");
  EXPECT_EQ(reg.at("user").at("id"), json::value(base64url_encode(ada().id)));
  EXPECT_EQ(reg.at("user").at("name"), "ada");
  EXPECT_EQ(reg.at("pubKeyCredParams").as_array().size(), 3u);
  EXPECT_EQ(reg.at("attestation"), "none");
  EXPECT_EQ(reg.at("authenticatorSelection").at("residentKey"), "preferred");
  EXPECT_EQ(reg.at("authenticatorSelection").at("userVerification"), "preferred");
  ASSERT_EQ(reg.at("excludeCredentials").as_array().size(), 1u);
  EXPECT_EQ(reg.at("excludeCredentials").at(0).at("id"), json::value(base64url_encode(c.credential_id())));
  auto auth = json::parse(passkeys_.authentication_options(ada().id, "tx")).as_object();
  EXPECT_EQ(auth.at("rpId"), "localhost");
  EXPECT_EQ(auth.at("allowCredentials").as_array().size(), 1u);
  EXPECT_EQ(auth.at("timeout"), 300000);
  auto discoverable = json::parse(passkeys_.authentication_options("", "tx")).as_object();
  EXPECT_TRUE(discoverable.at("allowCredentials").as_array().empty());
}

TEST_F(PasskeysTest, AChallengeIsUsedOnce) {
  const auto c = SoftCredential::generate(CoseAlgorithm::kES256);
  auto challenge = challenge_of(passkeys_.registration_options(ada(), ""));
  const auto answer = registration_json(c, c.register_credential(ctx(challenge), {}, 1));
  ASSERT_TRUE(passkeys_.finish_registration(ada().id, "", answer, "Key"));
  EXPECT_EQ(code_of(passkeys_.finish_registration(ada().id, "", answer, "Key")), PasskeyErrorCode::kUnknownChallenge);
  auto a = challenge_of(passkeys_.authentication_options(ada().id, "tx"));
  const auto assertion = assertion_json(c, c.assert_credential(ctx(a), {}, 2), ada().id);
  ASSERT_TRUE(passkeys_.finish_authentication(ada().id, "tx", assertion));
  EXPECT_EQ(code_of(passkeys_.finish_authentication(ada().id, "tx", assertion)), PasskeyErrorCode::kUnknownChallenge);
  EXPECT_EQ(backend_.passkeys().find(base64url_encode(c.credential_id()))->sign_count, 2);
}

TEST_F(PasskeysTest, AnExpiredChallengeIsRefused) {
  const auto c = SoftCredential::generate(CoseAlgorithm::kES256);
  auto challenge = challenge_of(passkeys_.registration_options(ada(), ""));
  clock_.advance(301);
  EXPECT_EQ(code_of(passkeys_.finish_registration(ada().id, "", registration_json(c, c.register_credential(ctx(challenge), {}, 1)), "K")),
            PasskeyErrorCode::kUnknownChallenge);
  EXPECT_TRUE(backend_.passkeys().list_user(ada().id).empty());
}

TEST_F(PasskeysTest, AChallengeServesOnlyItsPurposeContextAndUser) {
  const auto c = SoftCredential::generate(CoseAlgorithm::kES256);
  // A registration challenge answered as a registration of another user, or in another context.
  auto challenge = challenge_of(passkeys_.registration_options(ada(), ""));
  EXPECT_EQ(code_of(passkeys_.finish_registration(bob().id, "", registration_json(c, c.register_credential(ctx(challenge), {}, 1)), "K")),
            PasskeyErrorCode::kWrongChallenge);
  challenge = challenge_of(passkeys_.registration_options(ada(), ""));
  EXPECT_EQ(code_of(passkeys_.finish_registration(ada().id, "tx", registration_json(c, c.register_credential(ctx(challenge), {}, 1)), "K")),
            PasskeyErrorCode::kWrongChallenge);
  EXPECT_TRUE(backend_.passkeys().list_user(ada().id).empty());
  EXPECT_TRUE(backend_.passkeys().list_user(bob().id).empty());
  ASSERT_TRUE(enrol(ada(), c));
  // An authentication challenge of another sign-in; a registration challenge for a sign-in; the
  // challenge of a passwordless sign-in used as ada's second factor.
  auto a = challenge_of(passkeys_.authentication_options(ada().id, "tx-other"));
  EXPECT_EQ(code_of(passkeys_.finish_authentication(ada().id, "tx", assertion_json(c, c.assert_credential(ctx(a), {}, 2), ada().id))),
            PasskeyErrorCode::kWrongChallenge);
  a = challenge_of(passkeys_.registration_options(ada(), "tx"));
  EXPECT_EQ(code_of(passkeys_.finish_authentication(ada().id, "tx", assertion_json(c, c.assert_credential(ctx(a), {}, 2), ada().id))),
            PasskeyErrorCode::kWrongChallenge);
  a = challenge_of(passkeys_.authentication_options("", "tx"));
  EXPECT_EQ(code_of(passkeys_.finish_authentication(ada().id, "tx", assertion_json(c, c.assert_credential(ctx(a), {}, 2), ada().id))),
            PasskeyErrorCode::kWrongChallenge);
  EXPECT_EQ(backend_.passkeys().find(base64url_encode(c.credential_id()))->sign_count, 1) << "nothing recorded";
}

TEST_F(PasskeysTest, TheOriginAndRpIdMustBeTheRelyingPartys) {
  const auto c = SoftCredential::generate(CoseAlgorithm::kES256);
  auto challenge = challenge_of(passkeys_.registration_options(ada(), ""));
  auto r = passkeys_.finish_registration(
      ada().id, "", registration_json(c, c.register_credential(ctx(challenge, "http://evil.localhost:9011"), {}, 1)), "K");
  EXPECT_EQ(code_of(r), PasskeyErrorCode::kCeremony);
  EXPECT_EQ(r.error().ceremony, webauthn::CeremonyErrorCode::kOriginMismatch);
  challenge = challenge_of(passkeys_.registration_options(ada(), ""));
  r = passkeys_.finish_registration(
      ada().id, "", registration_json(c, c.register_credential(ctx(challenge, std::string(kOrigin), "example.com"), {}, 1)), "K");
  EXPECT_EQ(r.error().ceremony, webauthn::CeremonyErrorCode::kRpIdHashMismatch);
  EXPECT_TRUE(backend_.passkeys().list_user(ada().id).empty());
  ASSERT_TRUE(enrol(ada(), c));
  auto a = challenge_of(passkeys_.authentication_options(ada().id, "tx"));
  auto s = passkeys_.finish_authentication(
      ada().id, "tx", assertion_json(c, c.assert_credential(ctx(a, "https://localhost:9011"), {}, 2), ada().id));
  EXPECT_EQ(s.error().ceremony, webauthn::CeremonyErrorCode::kOriginMismatch);
  a = challenge_of(passkeys_.authentication_options(ada().id, "tx"));
  s = passkeys_.finish_authentication(
      ada().id, "tx", assertion_json(c, c.assert_credential(ctx(a, std::string(kOrigin), "other.test"), {}, 2), ada().id));
  EXPECT_EQ(s.error().ceremony, webauthn::CeremonyErrorCode::kRpIdHashMismatch);
  EXPECT_EQ(backend_.passkeys().find(base64url_encode(c.credential_id()))->last_used_at, 0);
}

TEST_F(PasskeysTest, ACredentialIdIsRegisteredOnce) {
  const auto c = SoftCredential::generate(CoseAlgorithm::kES256);
  ASSERT_TRUE(enrol(ada(), c));
  EXPECT_EQ(code_of(enrol(ada(), c)), PasskeyErrorCode::kDuplicate);
  EXPECT_EQ(code_of(enrol(bob(), c)), PasskeyErrorCode::kDuplicate);
  EXPECT_EQ(backend_.passkeys().list_user(ada().id).size(), 1u);
  EXPECT_TRUE(backend_.passkeys().list_user(bob().id).empty());
}

TEST_F(PasskeysTest, ACounterThatGoesBackBlocksThePasskey) {
  const auto c = SoftCredential::generate(CoseAlgorithm::kES256);
  ASSERT_TRUE(enrol(ada(), c, 5));
  ASSERT_TRUE(sign_in(ada().id, c, 7, ada().id));
  EXPECT_EQ(code_of(sign_in(ada().id, c, 6, ada().id)), PasskeyErrorCode::kCloned);
  EXPECT_TRUE(backend_.passkeys().find(base64url_encode(c.credential_id()))->flagged);
  EXPECT_EQ(code_of(sign_in(ada().id, c, 100, ada().id)), PasskeyErrorCode::kFlagged) << "refused from then on";
  auto options = json::parse(passkeys_.authentication_options(ada().id, "tx")).as_object();
  EXPECT_TRUE(options.at("allowCredentials").as_array().empty()) << "a blocked passkey is not offered";
}

TEST_F(PasskeysTest, ThePasskeyMustBeTheUsers) {
  const auto c = SoftCredential::generate(CoseAlgorithm::kES256);
  ASSERT_TRUE(enrol(ada(), c));
  EXPECT_EQ(code_of(sign_in(bob().id, c, 2, bob().id)), PasskeyErrorCode::kUnknownCredential) << "ada's passkey for bob";
  EXPECT_EQ(code_of(sign_in("", c, 2, bob().id)), PasskeyErrorCode::kUserHandleMismatch);
  EXPECT_EQ(code_of(sign_in("", c, 2, "")), PasskeyErrorCode::kUserHandleMismatch) << "passwordless needs the handle";
  const auto unknown = SoftCredential::generate(CoseAlgorithm::kES256);
  EXPECT_EQ(code_of(sign_in("", unknown, 2, ada().id)), PasskeyErrorCode::kUnknownCredential);
  EXPECT_EQ(backend_.passkeys().find(base64url_encode(c.credential_id()))->sign_count, 1);
}

TEST_F(PasskeysTest, MalformedAnswersAreRefusedWithNothingStored) {
  const auto c = SoftCredential::generate(CoseAlgorithm::kES256);
  for (std::string bad : std::vector<std::string>{"", "{", "[]", "{\"type\":\"public-key\"}", std::string(20000, ' '),
                          "{\"id\":\"AA\",\"rawId\":\"AA\",\"type\":\"public-key\",\"response\":{\"clientDataJSON\":\"!!\"}}"}) {
    EXPECT_EQ(code_of(passkeys_.finish_registration(ada().id, "", bad, "K")), PasskeyErrorCode::kMalformed) << bad.substr(0, 40);
    EXPECT_EQ(code_of(passkeys_.finish_authentication("", "tx", bad)), PasskeyErrorCode::kMalformed);
  }
  // Well-formed JSON around an attestation object that is not CBOR.
  auto challenge = challenge_of(passkeys_.registration_options(ada(), ""));
  auto good = c.register_credential(ctx(challenge), {}, 1);
  good.attestation_object = "\xa3\x63\x66\x6d";  // a map of 3 cut short
  auto r = passkeys_.finish_registration(ada().id, "", registration_json(c, good), "K");
  EXPECT_EQ(code_of(r), PasskeyErrorCode::kCeremony);
  EXPECT_EQ(r.error().ceremony, webauthn::CeremonyErrorCode::kAttestationObjectMalformed);
  EXPECT_FALSE(r.error().message.empty());
  EXPECT_TRUE(backend_.passkeys().list_user(ada().id).empty());
}

}  // namespace
}  // namespace gatehouse::mfa
