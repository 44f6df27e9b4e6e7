#include "webauthn/authenticator_data.hpp"

#include <gtest/gtest.h>

#include "webauthn/testing/soft_authenticator.hpp"

namespace gatehouse::webauthn {
namespace {

using testing::CborWriter;
using testing::make_attestation_object;
using testing::make_attested_credential_data;
using testing::make_authenticator_data;

const std::string kKey = testing::make_es256_cose_key(std::string(32, '\x01'), std::string(32, '\x02'));

std::string attested(std::string_view id = "credential-1", std::string_view key = kKey) {
  return make_attested_credential_data(testing::kSoftAaguid, id, key);
}

Result<AuthenticatorData, AuthDataFailure> parse(const std::string& bytes) {
  return parse_authenticator_data(byte_span(bytes));
}

TEST(AuthenticatorData, ParsesTheFixedPartFlagsAndBigEndianCounter) {
  const auto parsed = parse(make_authenticator_data("example.com", kFlagUserPresent | kFlagUserVerified, 0x01020304));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(parsed->user_present());
  EXPECT_TRUE(parsed->user_verified());
  EXPECT_FALSE(parsed->backup_eligible());
  EXPECT_EQ(parsed->sign_count, 0x01020304U);
  EXPECT_FALSE(parsed->attested.has_value());
  EXPECT_FALSE(parsed->extensions.has_value());
}

TEST(AuthenticatorData, ParsesAttestedCredentialDataAndKeepsTheKeyBytesExactly) {
  const auto parsed = parse(make_authenticator_data("example.com", kFlagUserPresent | kFlagAttestedCredential, 7, attested()));
  ASSERT_TRUE(parsed.has_value());
  ASSERT_TRUE(parsed->attested.has_value());
  EXPECT_EQ(parsed->attested->credential_id, "credential-1");
  EXPECT_EQ(parsed->attested->public_key_cbor, kKey);
  EXPECT_NE(parsed->attested->public_key.as_map(), nullptr);
  EXPECT_EQ(parsed->attested->aaguid, testing::kSoftAaguid);
}

TEST(AuthenticatorData, ParsesExtensionsAfterTheCredential) {
  CborWriter ext;
  ext.map(1).text("credProtect").integer(2);
  const auto parsed = parse(make_authenticator_data(
      "example.com", kFlagUserPresent | kFlagAttestedCredential | kFlagExtensions, 1, attested(), ext.out()));
  ASSERT_TRUE(parsed.has_value());
  ASSERT_TRUE(parsed->extensions.has_value());
  EXPECT_NE(parsed->extensions->get("credProtect"), nullptr);
}

TEST(AuthenticatorData, RefusesTooShortInput) {
  const std::string full = make_authenticator_data("example.com", kFlagUserPresent, 1);
  for (std::size_t n = 0; n < full.size(); ++n) {
    const auto parsed = parse(full.substr(0, n));
    ASSERT_FALSE(parsed.has_value()) << n;
    EXPECT_EQ(parsed.error().error, AuthDataError::kTooShort);
  }
}

TEST(AuthenticatorData, RefusesTrailingBytesWhateverTheFlags) {
  EXPECT_EQ(parse(make_authenticator_data("example.com", kFlagUserPresent, 1) + '\0').error().error,
            AuthDataError::kTrailingBytes);
  EXPECT_EQ(parse(make_authenticator_data("example.com", kFlagUserPresent | kFlagAttestedCredential, 1, attested()) + "x")
                .error().error,
            AuthDataError::kTrailingBytes);
  // Extensions present without the ED flag are trailing bytes too.
  CborWriter ext;
  ext.map(0);
  const auto no_ed = parse(make_authenticator_data("example.com", kFlagUserPresent, 1, {}, ext.out()));
  EXPECT_EQ(no_ed.error().error, AuthDataError::kTrailingBytes);
  EXPECT_EQ(no_ed.error().offset, kAuthenticatorDataMinSize);
}

TEST(AuthenticatorData, RefusesBackupStateWithoutBackupEligibility) {
  const auto parsed = parse(make_authenticator_data("example.com", kFlagUserPresent | kFlagBackupState, 1));
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().error, AuthDataError::kBackupStateWithoutEligibility);
  EXPECT_TRUE(parse(make_authenticator_data("example.com", kFlagUserPresent | kFlagBackupState | kFlagBackupEligible, 1))
                  .has_value());
}

TEST(AuthenticatorData, ChecksEveryLengthOfTheAttestedCredential) {
  const std::uint8_t at = kFlagUserPresent | kFlagAttestedCredential;
  // AT set but nothing follows; or the AAGUID cut short.
  EXPECT_EQ(parse(make_authenticator_data("e", at, 1)).error().error, AuthDataError::kTruncatedCredential);
  EXPECT_EQ(parse(make_authenticator_data("e", at, 1, std::string(17, 'a'))).error().error,
            AuthDataError::kTruncatedCredential);
  // A credential id length longer than what remains.
  std::string cut = attested("0123456789");
  cut.resize(16 + 2 + 5);
  EXPECT_EQ(parse(make_authenticator_data("e", at, 1, cut)).error().error, AuthDataError::kTruncatedCredential);
  EXPECT_EQ(parse(make_authenticator_data("e", at, 1, attested(""))).error().error, AuthDataError::kEmptyCredentialId);
  EXPECT_EQ(parse(make_authenticator_data("e", at, 1, attested(std::string(1024, 'i')))).error().error,
            AuthDataError::kCredentialIdTooLong);
  EXPECT_TRUE(parse(make_authenticator_data("e", at, 1, attested(std::string(1023, 'i')))).has_value());
}

TEST(AuthenticatorData, RefusesAKeyThatIsNotStrictCborOrNotAMap) {
  const std::uint8_t at = kFlagUserPresent | kFlagAttestedCredential;
  const auto missing = parse(make_authenticator_data("e", at, 1, attested("id", "")));
  EXPECT_EQ(missing.error().error, AuthDataError::kBadPublicKey);
  EXPECT_EQ(missing.error().cbor, CborError::kTruncated);
  const auto not_canonical = parse(make_authenticator_data("e", at, 1, attested("id", "\xb8\x01\x01\x02")));
  EXPECT_EQ(not_canonical.error().cbor, CborError::kNotCanonical);
  EXPECT_EQ(parse(make_authenticator_data("e", at, 1, attested("id", "\x01"))).error().error, AuthDataError::kBadPublicKey);
  std::string truncated_key = kKey;
  truncated_key.pop_back();
  EXPECT_EQ(parse(make_authenticator_data("e", at, 1, attested("id", truncated_key))).error().error,
            AuthDataError::kBadPublicKey);
}

TEST(AuthenticatorData, RefusesExtensionsThatAreMissingOrNotAMap) {
  const std::uint8_t ed = kFlagUserPresent | kFlagExtensions;
  EXPECT_EQ(parse(make_authenticator_data("e", ed, 1)).error().error, AuthDataError::kBadExtensions);
  EXPECT_EQ(parse(make_authenticator_data("e", ed, 1, {}, "\x80")).error().error, AuthDataError::kBadExtensions);
  EXPECT_EQ(parse(make_authenticator_data("e", ed, 1, {}, std::string("\xa0\x00", 2))).error().error, AuthDataError::kTrailingBytes);
}

TEST(AttestationObject, ParsesTheThreeMembersAndTheAuthenticatorData) {
  const std::string auth = make_authenticator_data("e", kFlagUserPresent | kFlagAttestedCredential, 3, attested());
  const std::string bytes = make_attestation_object("none", "\xa0", auth);
  const auto parsed = parse_attestation_object(byte_span(bytes));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->format, "none");
  EXPECT_EQ(parsed->auth_data, auth);
  EXPECT_EQ(parsed->parsed.sign_count, 3U);
}

TEST(AttestationObject, RefusesMalformedCborAndWrongShapes) {
  const std::string auth = make_authenticator_data("e", kFlagUserPresent | kFlagAttestedCredential, 3, attested());
  const std::string good = make_attestation_object("none", "\xa0", auth);
  const auto error_of = [](const std::string& b) { return parse_attestation_object(byte_span(b)).error().error; };
  EXPECT_EQ(error_of(good.substr(0, good.size() - 1)), AttestationObjectError::kBadCbor);
  EXPECT_EQ(error_of(good + '\0'), AttestationObjectError::kBadCbor);
  EXPECT_EQ(error_of("\x80"), AttestationObjectError::kNotAMap);
  CborWriter missing;
  missing.map(2).text("fmt").text("none").text("authData").bytes(auth);
  EXPECT_EQ(error_of(missing.out()), AttestationObjectError::kMissingMember);
  CborWriter extra;
  extra.map(4).text("fmt").text("none").text("attStmt").map(0).text("authData").bytes(auth).text("x").integer(1);
  EXPECT_EQ(error_of(extra.out()), AttestationObjectError::kUnknownMember);
  CborWriter fmt_not_text;
  fmt_not_text.map(3).text("fmt").integer(1).text("attStmt").map(0).text("authData").bytes(auth);
  EXPECT_EQ(error_of(fmt_not_text.out()), AttestationObjectError::kMissingMember);
  const auto bad_auth = parse_attestation_object(byte_span(make_attestation_object("none", "\xa0", auth + "z")));
  EXPECT_EQ(bad_auth.error().error, AttestationObjectError::kBadAuthData);
  ASSERT_TRUE(bad_auth.error().auth_data.has_value());
  EXPECT_EQ(bad_auth.error().auth_data->error, AuthDataError::kTrailingBytes);
}

}  // namespace
}  // namespace gatehouse::webauthn
