// Reading the SOAP binding's ArtifactResolve and the MessageHandle of a type 0x0004 artifact.
#include "saml/soap.hpp"

#include <vector>

#include <gtest/gtest.h>

#include "jose/openssl/crypto.hpp"
#include "saml/encoding.hpp"

namespace gatehouse::saml {
namespace {

constexpr std::string_view kIdp = "https://idp.example.com/saml";

std::string envelope(const std::string& body) {
  return "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>" + body + "</s:Body></s:Envelope>";
}
std::string resolve(const std::string& attributes, const std::string& children) {
  return "<samlp:ArtifactResolve xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" "
         "xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" " +
         attributes + ">" + children + "</samlp:ArtifactResolve>";
}
const std::string kBase = "ID=\"_a1\" Version=\"2.0\" IssueInstant=\"2027-01-15T08:00:00Z\"";
const std::string kChildren =
    "<saml:Issuer>https://sp.example.com/sp</saml:Issuer><samlp:Artifact>AAQAAA==</samlp:Artifact>";

Result<ArtifactResolve, std::string> read(const std::string& text) {
  auto doc = parse(text, 64 * 1024);
  if (!doc) return unexpected("parse: " + doc.error());
  return read_artifact_resolve(*doc);
}

std::string artifact(std::string_view type, std::string_view issuer, std::string_view handle) {
  return base64_encode(std::string(type) + std::string("\x00\x00", 2) + jose::sha1(issuer) + std::string(handle));
}

TEST(SamlSoap, AnArtifactResolveIsRead) {
  auto doc = parse(envelope(resolve(kBase, kChildren)), 64 * 1024);
  ASSERT_TRUE(doc) << doc.error();
  auto r = read_artifact_resolve(*doc);
  ASSERT_TRUE(r) << r.error();
  EXPECT_TRUE(is_element(r->element, kNsProtocol, "ArtifactResolve"));
  EXPECT_EQ(r->id, "_a1");
  EXPECT_EQ(r->issuer, "https://sp.example.com/sp");
  EXPECT_EQ(r->artifact, "AAQAAA==");
  EXPECT_EQ(r->issue_instant, 1'800'000'000);
}

TEST(SamlSoap, EachBadShapeIsRefused) {
  EXPECT_EQ(read(resolve(kBase, kChildren)).error(), "not a SOAP 1.1 envelope");
  EXPECT_EQ(read(envelope("")).error(), "the body is not one ArtifactResolve");
  EXPECT_EQ(read(envelope(resolve(kBase, kChildren) + resolve(kBase, kChildren))).error(),
            "the body is not one ArtifactResolve");
  EXPECT_FALSE(read("<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"/>"));
  const std::string incomplete = "the ArtifactResolve is incomplete";
  EXPECT_EQ(read(envelope(resolve("ID=\"_a1\" IssueInstant=\"2027-01-15T08:00:00Z\"", kChildren))).error(), incomplete);
  EXPECT_EQ(read(envelope(resolve("Version=\"2.0\" IssueInstant=\"2027-01-15T08:00:00Z\"", kChildren))).error(), incomplete);
  EXPECT_EQ(read(envelope(resolve("ID=\"_a1\" Version=\"2.0\" IssueInstant=\"2027-01-15T08:00:00\"", kChildren))).error(),
            incomplete);
  EXPECT_EQ(read(envelope(resolve(kBase, "<samlp:Artifact>AAQAAA==</samlp:Artifact>"))).error(), incomplete);
  EXPECT_EQ(read(envelope(resolve(kBase, kChildren + "<samlp:Artifact>AAQAAA==</samlp:Artifact>"))).error(), incomplete);
}

TEST(SamlSoap, AnIdThatIsNotAnNcNameIsRefusedBeforeUse) {
  const std::string refused = "the ArtifactResolve's ID is not an NCName";
  for (const std::string& id : std::vector<std::string>{"1abc", "_a b", "a&quot;&gt;&lt;x", "_a&#10;b", "-x", std::string(257, 'a')}) {
    auto r = read(envelope(resolve("ID=\"" + id + "\" Version=\"2.0\" IssueInstant=\"2027-01-15T08:00:00Z\"", kChildren)));
    ASSERT_FALSE(r) << id;
    EXPECT_EQ(r.error(), refused) << id;
  }
  EXPECT_TRUE(read(envelope(resolve("ID=\"_a-1.b\" Version=\"2.0\" IssueInstant=\"2027-01-15T08:00:00Z\"", kChildren))));
}

TEST(SamlSoap, TheMessageHandleOfOurOwnType4ArtifactOnly) {
  const std::string handle(20, 'h');
  EXPECT_EQ(artifact_message_handle(artifact(std::string("\x00\x04", 2), kIdp, handle), kIdp), handle);
  EXPECT_FALSE(artifact_message_handle(artifact(std::string("\x00\x04", 2), "https://other.example", handle), kIdp));
  EXPECT_FALSE(artifact_message_handle(artifact(std::string("\x00\x05", 2), kIdp, handle), kIdp));
  EXPECT_FALSE(artifact_message_handle(artifact(std::string("\x00\x04", 2), kIdp, handle + "x"), kIdp));
  EXPECT_FALSE(artifact_message_handle("not base64!", kIdp));
}

}  // namespace
}  // namespace gatehouse::saml
