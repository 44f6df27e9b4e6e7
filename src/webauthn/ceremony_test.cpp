#include "webauthn/ceremony.hpp"

#include <set>

#include <gtest/gtest.h>

#include "core/base64url.hpp"
#include "jose/openssl/crypto.hpp"
#include "webauthn/authenticator_data.hpp"
#include "webauthn/testing/soft_authenticator.hpp"

namespace gatehouse::webauthn {
namespace {

using testing::Attestation;
using testing::ClientContext;
using testing::CborWriter;
using testing::Flags;
using testing::SoftCredential;

const RelyingParty kRp{"localhost", {"https://localhost:8443", "https://login.example.test"}};
const std::string kChallenge = base64url_encode(std::string(32, '\x5a'));

ClientContext context() { return ClientContext{"https://localhost:8443", "localhost", kChallenge, false}; }

std::string from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

Result<NewCredential, CeremonyError> register_with(const testing::RegistrationResponse& response, bool require_uv = false,
                                                   std::string_view challenge = kChallenge) {
  return verify_registration(kRp, {response.client_data_json, response.attestation_object, challenge, require_uv});
}

Result<Assertion, CeremonyError> assert_with(const testing::AssertionResponse& response, std::string_view cose_key,
                                             bool require_uv = false, std::string_view challenge = kChallenge) {
  return verify_assertion(kRp, {response.client_data_json, response.authenticator_data, response.signature, challenge,
                                cose_key, require_uv});
}

template <class T>
CeremonyErrorCode code_of(const Result<T, CeremonyError>& result) {
  EXPECT_FALSE(result.has_value());
  return result.has_value() ? CeremonyErrorCode::kInputTooLarge : result.error().code;
}

// An assertion whose parts the test chooses, signed by the credential (so only the chosen part is wrong).
testing::AssertionResponse signed_assertion(const SoftCredential& credential, std::string client_data_json,
                                            std::string authenticator_data) {
  testing::AssertionResponse out{std::move(client_data_json), std::move(authenticator_data), {}};
  out.signature = credential.sign(out.authenticator_data + jose::sha256(out.client_data_json));
  return out;
}

// A registration whose parts the test chooses; packed self attestation when `alg` is given.
testing::RegistrationResponse signed_registration(const SoftCredential& credential, std::string_view fmt,
                                                  std::string client_data_json, std::string authenticator_data,
                                                  std::optional<std::int64_t> alg = std::nullopt) {
  testing::RegistrationResponse out{std::move(client_data_json), {}, std::move(authenticator_data)};
  CborWriter stmt;
  if (alg) {
    stmt.map(2).text("alg").integer(*alg).text("sig").bytes(
        credential.sign(out.authenticator_data + jose::sha256(out.client_data_json)));
  } else {
    stmt.map(0);
  }
  out.attestation_object = testing::make_attestation_object(fmt, stmt.out(), out.authenticator_data);
  return out;
}

std::string attested_auth_data(const SoftCredential& credential, std::uint8_t flags, std::string_view rp_id = "localhost",
                               std::string_view credential_id = {}) {
  return testing::make_authenticator_data(
      rp_id, flags | kFlagAttestedCredential, 0,
      testing::make_attested_credential_data(testing::kSoftAaguid,
                                             credential_id.empty() ? credential.credential_id() : credential_id,
                                             credential.cose_public_key()));
}

struct Case {
  CoseAlgorithm alg;
  Attestation attestation;
};

std::string case_name(const Case& c) {
  static constexpr const char* kFormats[] = {"None", "PackedSelf", "PackedX5c"};
  return std::string(to_string(c.alg)) + kFormats[static_cast<int>(c.attestation)];
}

class CeremonyRoundTrip : public ::testing::TestWithParam<Case> {};

TEST_P(CeremonyRoundTrip, RegistersThenSignsInAndTheCounterAdvances) {
  const SoftCredential credential = SoftCredential::generate(GetParam().alg);
  const Flags flags{true, true, true, false};
  const auto registered = register_with(credential.register_credential(context(), flags, 0, GetParam().attestation), true);
  ASSERT_TRUE(registered.has_value()) << registered.error().message << " / " << registered.error().detail;
  EXPECT_EQ(registered->credential_id, credential.credential_id());
  EXPECT_EQ(registered->cose_public_key, credential.cose_public_key());
  EXPECT_EQ(registered->algorithm, static_cast<int>(GetParam().alg));
  EXPECT_EQ(registered->sign_count, 0U);
  EXPECT_TRUE(registered->user_verified);
  EXPECT_TRUE(registered->backup_eligible);
  EXPECT_FALSE(registered->backup_state);
  EXPECT_EQ(registered->aaguid, "67617465686f7573652d736f66740001");
  EXPECT_EQ(registered->attestation_format, GetParam().attestation == Attestation::kNone ? "none" : "packed");

  const auto assertion = assert_with(credential.assert_credential(context(), {true, false, true, true}, 5),
                                     registered->cose_public_key);
  ASSERT_TRUE(assertion.has_value()) << assertion.error().message;
  EXPECT_EQ(assertion->sign_count, 5U);
  EXPECT_FALSE(assertion->user_verified);
  EXPECT_TRUE(assertion->backup_eligible);
  EXPECT_TRUE(assertion->backup_state);
  EXPECT_EQ(counter_verdict(registered->sign_count, assertion->sign_count), CounterVerdict::kOk);
}

INSTANTIATE_TEST_SUITE_P(
    AlgorithmsAndFormats, CeremonyRoundTrip,
    ::testing::Values(Case{CoseAlgorithm::kES256, Attestation::kNone}, Case{CoseAlgorithm::kES256, Attestation::kPackedSelf},
                      Case{CoseAlgorithm::kES256, Attestation::kPackedX5c}, Case{CoseAlgorithm::kRS256, Attestation::kNone},
                      Case{CoseAlgorithm::kRS256, Attestation::kPackedSelf}, Case{CoseAlgorithm::kRS256, Attestation::kPackedX5c},
                      Case{CoseAlgorithm::kEdDSA, Attestation::kNone}, Case{CoseAlgorithm::kEdDSA, Attestation::kPackedSelf},
                      Case{CoseAlgorithm::kEdDSA, Attestation::kPackedX5c}),
    [](const auto& info) { return case_name(info.param); });

// A fixed vector made outside this code: an Ed25519 key from the seed a0..bf, the assertion's
// signature computed with `openssl pkeyutl -sign -rawin` over authData || SHA-256(clientDataJSON).
TEST(Ceremony, FixedEd25519AssertionVectorMadeWithTheOpensslCommandLine) {
  const RelyingParty rp{"gatehouse.test", {"https://gatehouse.test"}};
  const std::string cose_key = from_hex("a4010103272006215820" "4fd099ccd47d7893dfe9ec24414ecb0d9b5420232aad30d91c465be33cbe65c4");
  const std::string client_data =
      R"({"type":"webauthn.get","challenge":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8","origin":"https://gatehouse.test","crossOrigin":false})";
  const std::string auth_data = from_hex("6c9e790e94dc1b42298cf58795aca5e72bc1c916d0aec70ede63adee6b5cd2aa050000002a");
  const std::string signature = from_hex(
      "f8531941700882ad164698281cc6b5e64e9e8c55cc7e266ddbf28446f8824bacdc2880716030bdef3d3d7335296015909c3d7c1abf12ccb99cdf034c031d1d02");
  const std::string challenge = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
  const auto ok = verify_assertion(rp, {client_data, auth_data, signature, challenge, cose_key, true});
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->sign_count, 42U);
  EXPECT_TRUE(ok->user_verified);
  std::string flipped = signature;
  flipped[0] ^= 0x80;
  EXPECT_EQ(code_of(verify_assertion(rp, {client_data, auth_data, flipped, challenge, cose_key, true})),
            CeremonyErrorCode::kSignatureInvalid);
}

TEST(Ceremony, RefusesTheWrongClientDataType) {
  const SoftCredential credential = SoftCredential::generate(CoseAlgorithm::kES256);
  const auto reg = signed_registration(credential, "none", testing::make_client_data_json("webauthn.get", context()),
                                       attested_auth_data(credential, kFlagUserPresent));
  EXPECT_EQ(code_of(register_with(reg)), CeremonyErrorCode::kWrongType);
  const auto get = signed_assertion(credential, testing::make_client_data_json("webauthn.create", context()),
                                    testing::make_authenticator_data("localhost", kFlagUserPresent, 1));
  EXPECT_EQ(code_of(assert_with(get, credential.cose_public_key())), CeremonyErrorCode::kWrongType);
  const auto upper = signed_assertion(credential, testing::make_client_data_json("WebAuthn.get", context()),
                                      testing::make_authenticator_data("localhost", kFlagUserPresent, 1));
  EXPECT_EQ(code_of(assert_with(upper, credential.cose_public_key())), CeremonyErrorCode::kWrongType);
}

TEST(Ceremony, RefusesAnotherChallenge) {
  const SoftCredential credential = SoftCredential::generate(CoseAlgorithm::kES256);
  const auto reg = credential.register_credential(context(), {}, 0);
  const std::string other = base64url_encode(std::string(32, '\x5b'));
  EXPECT_EQ(code_of(register_with(reg, false, other)), CeremonyErrorCode::kChallengeMismatch);
  EXPECT_EQ(code_of(register_with(reg, false, kChallenge.substr(1))), CeremonyErrorCode::kChallengeMismatch);
  EXPECT_EQ(code_of(register_with(reg, false, "")), CeremonyErrorCode::kChallengeMismatch);
  const auto get = credential.assert_credential(context(), {}, 1);
  EXPECT_EQ(code_of(assert_with(get, credential.cose_public_key(), false, other)), CeremonyErrorCode::kChallengeMismatch);
  // An empty challenge in the response never matches an empty expectation.
  ClientContext empty = context();
  empty.challenge = "";
  EXPECT_EQ(code_of(register_with(credential.register_credential(empty, {}, 0), false, "")),
            CeremonyErrorCode::kChallengeMismatch);
}

TEST(Ceremony, RefusesAnyOriginThatIsNotExactlyOneOfTheRelyingParty) {
  const SoftCredential credential = SoftCredential::generate(CoseAlgorithm::kEdDSA);
  for (const char* origin : {"https://localhost.evil", "https://localhost:8443.evil", "https://evil.localhost:8443",
                             "http://localhost:8443", "https://localhost:8443/", "https://localhost", "HTTPS://localhost:8443",
                             "https://login.example.test.evil", "null", ""}) {
    ClientContext ctx = context();
    ctx.origin = origin;
    EXPECT_EQ(code_of(register_with(credential.register_credential(ctx, {}, 0))), CeremonyErrorCode::kOriginMismatch) << origin;
    EXPECT_EQ(code_of(assert_with(credential.assert_credential(ctx, {}, 1), credential.cose_public_key())),
              CeremonyErrorCode::kOriginMismatch)
        << origin;
  }
  ClientContext second = context();
  second.origin = "https://login.example.test";
  EXPECT_TRUE(assert_with(credential.assert_credential(second, {}, 1), credential.cose_public_key()).has_value());
}

TEST(Ceremony, RefusesCrossOriginTrue) {
  const SoftCredential credential = SoftCredential::generate(CoseAlgorithm::kES256);
  ClientContext ctx = context();
  ctx.cross_origin = true;
  EXPECT_EQ(code_of(register_with(credential.register_credential(ctx, {}, 0))), CeremonyErrorCode::kCrossOrigin);
  EXPECT_EQ(code_of(assert_with(credential.assert_credential(ctx, {}, 1), credential.cose_public_key())),
            CeremonyErrorCode::kCrossOrigin);
}

TEST(Ceremony, RefusesMalformedClientDataAndTokenBinding) {
  const SoftCredential credential = SoftCredential::generate(CoseAlgorithm::kES256);
  const std::string auth = testing::make_authenticator_data("localhost", kFlagUserPresent, 1);
  const std::string base = R"({"type":"webauthn.get","challenge":")" + kChallenge + R"(","origin":"https://localhost:8443")";
  const auto code_for = [&](const std::string& json) {
    return code_of(assert_with(signed_assertion(credential, json, auth), credential.cose_public_key()));
  };
  EXPECT_EQ(code_for("not json"), CeremonyErrorCode::kClientDataMalformed);
  EXPECT_EQ(code_for("[]"), CeremonyErrorCode::kClientDataMalformed);
  EXPECT_EQ(code_for(R"({"type":"webauthn.get","origin":"https://localhost:8443"})"), CeremonyErrorCode::kClientDataMalformed);
  EXPECT_EQ(code_for(base + R"(,"crossOrigin":"true"})"), CeremonyErrorCode::kClientDataMalformed);
  EXPECT_EQ(code_for(base + "}\xff"), CeremonyErrorCode::kClientDataMalformed);
  EXPECT_EQ(code_for(base + R"(,"tokenBinding":{"status":"present","id":"abc"}})"), CeremonyErrorCode::kTokenBindingUnsupported);
  EXPECT_TRUE(assert_with(signed_assertion(credential, base + R"(,"tokenBinding":{"status":"supported"}})", auth),
                          credential.cose_public_key())
                  .has_value());
  EXPECT_EQ(code_for(base + R"(,"pad":")" + std::string(20000, 'a') + R"("})"), CeremonyErrorCode::kInputTooLarge);
}

TEST(Ceremony, RefusesAnotherRpIdHash) {
  const SoftCredential credential = SoftCredential::generate(CoseAlgorithm::kES256);
  ClientContext ctx = context();
  ctx.rp_id = "localhost.evil";
  EXPECT_EQ(code_of(register_with(credential.register_credential(ctx, {}, 0))), CeremonyErrorCode::kRpIdHashMismatch);
  EXPECT_EQ(code_of(assert_with(credential.assert_credential(ctx, {}, 1), credential.cose_public_key())),
            CeremonyErrorCode::kRpIdHashMismatch);
}

TEST(Ceremony, RequiresUserPresenceAlwaysAndVerificationWhenAsked) {
  const SoftCredential credential = SoftCredential::generate(CoseAlgorithm::kRS256);
  const Flags absent{false, true, false, false};
  EXPECT_EQ(code_of(register_with(credential.register_credential(context(), absent, 0))), CeremonyErrorCode::kUserNotPresent);
  EXPECT_EQ(code_of(assert_with(credential.assert_credential(context(), absent, 1), credential.cose_public_key())),
            CeremonyErrorCode::kUserNotPresent);
  const Flags unverified{true, false, false, false};
  EXPECT_EQ(code_of(register_with(credential.register_credential(context(), unverified, 0), true)),
            CeremonyErrorCode::kUserNotVerified);
  EXPECT_EQ(code_of(assert_with(credential.assert_credential(context(), unverified, 1), credential.cose_public_key(), true)),
            CeremonyErrorCode::kUserNotVerified);
  // Not required: accepted, and reported as not verified.
  const auto reg = register_with(credential.register_credential(context(), unverified, 0), false);
  ASSERT_TRUE(reg.has_value());
  EXPECT_FALSE(reg->user_verified);
}

TEST(Ceremony, RefusesATamperedSignatureOrAuthenticatorData) {
  const SoftCredential credential = SoftCredential::generate(CoseAlgorithm::kES256);
  auto get = credential.assert_credential(context(), {}, 7);
  auto bad_sig = get;
  bad_sig.signature[bad_sig.signature.size() - 1] ^= 0x01;
  EXPECT_EQ(code_of(assert_with(bad_sig, credential.cose_public_key())), CeremonyErrorCode::kSignatureInvalid);
  auto bad_counter = get;
  bad_counter.authenticator_data[kAuthenticatorDataMinSize - 1] ^= 0x01;  // counter 7 -> 6
  EXPECT_EQ(code_of(assert_with(bad_counter, credential.cose_public_key())), CeremonyErrorCode::kSignatureInvalid);
  auto bad_flags = get;
  bad_flags.authenticator_data[kRpIdHashSize] ^= kFlagBackupEligible;
  EXPECT_EQ(code_of(assert_with(bad_flags, credential.cose_public_key())), CeremonyErrorCode::kSignatureInvalid);
  auto other_client_data = get;
  other_client_data.client_data_json.insert(other_client_data.client_data_json.size() - 1, R"(,"x":1)");
  EXPECT_EQ(code_of(assert_with(other_client_data, credential.cose_public_key())), CeremonyErrorCode::kSignatureInvalid);
  // Another credential's key does not verify it.
  EXPECT_EQ(code_of(assert_with(get, SoftCredential::generate(CoseAlgorithm::kES256).cose_public_key())),
            CeremonyErrorCode::kSignatureInvalid);
  // A packed self attestation over tampered data.
  auto reg = credential.register_credential(context(), {}, 0, Attestation::kPackedSelf);
  reg.client_data_json.insert(reg.client_data_json.size() - 1, R"(,"x":1)");
  EXPECT_EQ(code_of(register_with(reg)), CeremonyErrorCode::kAttestationSignatureInvalid);
  auto x5c = credential.register_credential(context(), {}, 0, Attestation::kPackedX5c);
  x5c.client_data_json.insert(x5c.client_data_json.size() - 1, R"(,"x":1)");
  EXPECT_EQ(code_of(register_with(x5c)), CeremonyErrorCode::kAttestationSignatureInvalid);
}

TEST(Ceremony, RefusesTrailingBytesAfterTheAuthenticatorData) {
  const SoftCredential credential = SoftCredential::generate(CoseAlgorithm::kES256);
  const auto get = signed_assertion(credential, testing::make_client_data_json("webauthn.get", context()),
                                    testing::make_authenticator_data("localhost", kFlagUserPresent, 1) + '\0');
  const auto refused = assert_with(get, credential.cose_public_key());
  EXPECT_EQ(code_of(refused), CeremonyErrorCode::kAuthenticatorDataMalformed);
  EXPECT_NE(refused.error().message.find("trailing"), std::string::npos);
  const auto reg = signed_registration(credential, "packed", testing::make_client_data_json("webauthn.create", context()),
                                       attested_auth_data(credential, kFlagUserPresent) + "\xa0", -7);
  EXPECT_EQ(code_of(register_with(reg)), CeremonyErrorCode::kAuthenticatorDataMalformed);
}

TEST(Ceremony, RefusesBackupStateWithoutEligibility) {
  const SoftCredential credential = SoftCredential::generate(CoseAlgorithm::kES256);
  const Flags bs_only{true, true, false, true};
  EXPECT_EQ(code_of(register_with(credential.register_credential(context(), bs_only, 0))),
            CeremonyErrorCode::kBackupStateWithoutEligibility);
  EXPECT_EQ(code_of(assert_with(credential.assert_credential(context(), bs_only, 1), credential.cose_public_key())),
            CeremonyErrorCode::kBackupStateWithoutEligibility);
}

TEST(Ceremony, RefusesMalformedCborInTheAttestationObject) {
  const SoftCredential credential = SoftCredential::generate(CoseAlgorithm::kES256);
  auto reg = credential.register_credential(context(), {}, 0);
  const std::string good = reg.attestation_object;
  for (const std::string& bad : {good.substr(0, good.size() - 1), good + '\0', std::string("\xbf"), std::string(),
                                 std::string("\xa3\x63" "fmt\x64" "none\x63" "fmt\x64" "none")}) {
    reg.attestation_object = bad;
    EXPECT_EQ(code_of(register_with(reg)), CeremonyErrorCode::kAttestationObjectMalformed);
  }
  reg.attestation_object = std::string(70000, '\x01');
  EXPECT_EQ(code_of(register_with(reg)), CeremonyErrorCode::kInputTooLarge);
}

TEST(Ceremony, RefusesAttestationFormatsOtherThanNoneAndPacked) {
  const SoftCredential credential = SoftCredential::generate(CoseAlgorithm::kES256);
  const std::string client_data = testing::make_client_data_json("webauthn.create", context());
  for (const char* fmt : {"fido-u2f", "tpm", "android-key", "apple", "Packed", ""}) {
    const auto refused = register_with(
        signed_registration(credential, fmt, client_data, attested_auth_data(credential, kFlagUserPresent)));
    EXPECT_EQ(code_of(refused), CeremonyErrorCode::kUnsupportedAttestationFormat) << fmt;
    EXPECT_NE(refused.error().message.find("\"none\" and \"packed\""), std::string::npos);
  }
  // "none" with a non-empty statement.
  const std::string auth = attested_auth_data(credential, kFlagUserPresent);
  CborWriter stmt;
  stmt.map(1).text("sig").bytes("x");
  const testing::RegistrationResponse none_with_sig{client_data, testing::make_attestation_object("none", stmt.out(), auth), auth};
  EXPECT_EQ(code_of(register_with(none_with_sig)), CeremonyErrorCode::kAttestationStatementInvalid);
}

TEST(Ceremony, RefusesPackedSelfAttestationWithAnotherAlgorithm) {
  const SoftCredential credential = SoftCredential::generate(CoseAlgorithm::kES256);
  const std::string client_data = testing::make_client_data_json("webauthn.create", context());
  const std::string auth = attested_auth_data(credential, kFlagUserPresent);
  EXPECT_EQ(code_of(register_with(signed_registration(credential, "packed", client_data, auth, -257))),
            CeremonyErrorCode::kAttestationAlgorithmMismatch);
  EXPECT_EQ(code_of(register_with(signed_registration(credential, "packed", client_data, auth, -36))),
            CeremonyErrorCode::kAttestationAlgorithmMismatch);
  EXPECT_TRUE(register_with(signed_registration(credential, "packed", client_data, auth, -7)).has_value());
  // A packed statement without sig, or with unknown members.
  CborWriter no_sig;
  no_sig.map(1).text("alg").integer(-7);
  EXPECT_EQ(code_of(register_with({client_data, testing::make_attestation_object("packed", no_sig.out(), auth), auth})),
            CeremonyErrorCode::kAttestationStatementInvalid);
  CborWriter ecdaa;
  ecdaa.map(3).text("alg").integer(-7).text("sig").bytes("s").text("ecdaaKeyId").bytes("k");
  EXPECT_EQ(code_of(register_with({client_data, testing::make_attestation_object("packed", ecdaa.out(), auth), auth})),
            CeremonyErrorCode::kAttestationStatementInvalid);
  CborWriter x5c_empty;
  x5c_empty.map(3).text("alg").integer(-7).text("sig").bytes("s").text("x5c").array(0);
  EXPECT_EQ(code_of(register_with({client_data, testing::make_attestation_object("packed", x5c_empty.out(), auth), auth})),
            CeremonyErrorCode::kAttestationStatementInvalid);
  CborWriter x5c_garbage;
  x5c_garbage.map(3).text("alg").integer(-7).text("sig").bytes("s").text("x5c").array(1).bytes("not a certificate");
  EXPECT_EQ(code_of(register_with({client_data, testing::make_attestation_object("packed", x5c_garbage.out(), auth), auth})),
            CeremonyErrorCode::kAttestationStatementInvalid);
}

TEST(Ceremony, PackedX5cNeedsTheCertificateAaguidToMatchTheAuthenticatorData) {
  const SoftCredential credential = SoftCredential::generate(CoseAlgorithm::kES256);
  std::array<std::uint8_t, 16> other = testing::kSoftAaguid;
  other[15] ^= 0xff;
  const auto refused = register_with(credential.register_credential(context(), {}, 0, Attestation::kPackedX5c, other));
  EXPECT_EQ(code_of(refused), CeremonyErrorCode::kAttestationStatementInvalid);
  EXPECT_NE(refused.error().message.find("AAGUID"), std::string::npos);
  // Without a certificate the AAGUID is only reported.
  const auto none = register_with(credential.register_credential(context(), {}, 0, Attestation::kNone, other));
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->aaguid, "67617465686f7573652d736f667400fe");
}

TEST(Ceremony, RefusesInvalidCredentialKeys) {
  const std::string client_data = testing::make_client_data_json("webauthn.create", context());
  const SoftCredential small = SoftCredential::generate(CoseAlgorithm::kRS256, 1024);
  const auto too_small = register_with(small.register_credential(context(), {}, 0));
  EXPECT_EQ(code_of(too_small), CeremonyErrorCode::kPublicKeyInvalid);
  EXPECT_NE(too_small.error().message.find("2048"), std::string::npos);
  const std::string off_curve = testing::make_es256_cose_key(std::string(32, '\x01'), std::string(32, '\x02'));
  const std::string auth = testing::make_authenticator_data(
      "localhost", kFlagUserPresent | kFlagAttestedCredential, 0,
      testing::make_attested_credential_data(testing::kSoftAaguid, "id", off_curve));
  const auto refused = register_with({client_data, testing::make_attestation_object("none", "\xa0", auth), auth});
  EXPECT_EQ(code_of(refused), CeremonyErrorCode::kPublicKeyInvalid);
  EXPECT_NE(refused.error().message.find("curve"), std::string::npos);
  // A stored key that no longer parses refuses the assertion rather than crashing.
  const SoftCredential credential = SoftCredential::generate(CoseAlgorithm::kES256);
  EXPECT_EQ(code_of(assert_with(credential.assert_credential(context(), {}, 1), off_curve)),
            CeremonyErrorCode::kPublicKeyInvalid);
}

TEST(Ceremony, RegistrationNeedsAnAttestedCredentialOfBoundedLength) {
  const SoftCredential credential = SoftCredential::generate(CoseAlgorithm::kES256);
  const std::string client_data = testing::make_client_data_json("webauthn.create", context());
  const std::string no_at = testing::make_authenticator_data("localhost", kFlagUserPresent, 0);
  EXPECT_EQ(code_of(register_with({client_data, testing::make_attestation_object("none", "\xa0", no_at), no_at})),
            CeremonyErrorCode::kNoAttestedCredential);
  const std::string long_id = attested_auth_data(credential, kFlagUserPresent, "localhost", std::string(1024, 'c'));
  EXPECT_EQ(code_of(register_with({client_data, testing::make_attestation_object("none", "\xa0", long_id), long_id})),
            CeremonyErrorCode::kCredentialIdTooLong);
  const std::string max_id = attested_auth_data(credential, kFlagUserPresent, "localhost", std::string(1023, 'c'));
  const auto ok = register_with({client_data, testing::make_attestation_object("none", "\xa0", max_id), max_id});
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->credential_id.size(), 1023U);
}

TEST(Ceremony, AcceptsExtensionsInTheAuthenticatorData) {
  const SoftCredential credential = SoftCredential::generate(CoseAlgorithm::kEdDSA);
  CborWriter ext;
  ext.map(1).text("credProtect").integer(2);
  const std::string auth = testing::make_authenticator_data(
      "localhost", kFlagUserPresent | kFlagAttestedCredential | kFlagExtensions, 0,
      testing::make_attested_credential_data(testing::kSoftAaguid, credential.credential_id(), credential.cose_public_key()),
      ext.out());
  const auto ok = register_with(signed_registration(credential, "packed",
                                                    testing::make_client_data_json("webauthn.create", context()), auth, -8));
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->cose_public_key, credential.cose_public_key());
}

TEST(Ceremony, CounterRulesOfSection7_2Step21) {
  EXPECT_EQ(counter_verdict(0, 0), CounterVerdict::kOk);        // no counter at all
  EXPECT_EQ(counter_verdict(0, 1), CounterVerdict::kOk);
  EXPECT_EQ(counter_verdict(41, 42), CounterVerdict::kOk);
  EXPECT_EQ(counter_verdict(41, 0xffffffffU), CounterVerdict::kOk);
  EXPECT_EQ(counter_verdict(42, 42), CounterVerdict::kCloned);  // not increased
  EXPECT_EQ(counter_verdict(42, 41), CounterVerdict::kCloned);
  EXPECT_EQ(counter_verdict(42, 0), CounterVerdict::kCloned);   // a counter that drops to 0
  EXPECT_EQ(counter_verdict(0xffffffffLL, 0xffffffffU), CounterVerdict::kCloned);
}

TEST(Ceremony, ErrorCodesHaveDistinctNames) {
  std::set<std::string_view> names;
  for (int c = 0; c <= static_cast<int>(CeremonyErrorCode::kSignatureInvalid); ++c) {
    const std::string_view name = to_string(static_cast<CeremonyErrorCode>(c));
    EXPECT_NE(name, "unknown");
    EXPECT_TRUE(names.insert(name).second) << name;
  }
}

}  // namespace
}  // namespace gatehouse::webauthn
