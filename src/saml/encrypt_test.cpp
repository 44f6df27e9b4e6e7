#include "saml/encrypt.hpp"

#include <cstdio>
#include <tuple>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "saml/dsig.hpp"
#include "saml/testing/fixtures.hpp"

namespace gatehouse::saml {
namespace {

using testing::TempDir;
using testing::TestKey;

constexpr std::size_t kCap = 256 * 1024;

// A Response with one Assertion; the saml and xs prefixes are declared on the Response only, so
// encryption has to carry them along (xs only appears inside an attribute value).
constexpr std::string_view kResponse = R"(<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="_r1" Version="2.0" IssueInstant="2024-01-01T00:00:00Z">
  <saml:Issuer>https://idp.example</saml:Issuer>
  <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
  <saml:Assertion ID="_a1" Version="2.0" IssueInstant="2024-01-01T00:00:00Z">
    <saml:Issuer>https://idp.example</saml:Issuer>
    <saml:Subject><saml:NameID>alice</saml:NameID></saml:Subject>
    <saml:AttributeStatement><saml:Attribute Name="mail"><saml:AttributeValue xsi:type="xs:string">alice@example.org</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>
  </saml:Assertion>
</samlp:Response>)";

// An RSA key of any size, as the fixtures make them (PKCS#8, self-signed certificate).
TestKey make_rsa_key(int bits, std::string_view cn) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(static_cast<unsigned>(bits)), &EVP_PKEY_free);
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, decltype(&PKCS8_PRIV_KEY_INFO_free)> p8(EVP_PKEY2PKCS8(key.get()), &PKCS8_PRIV_KEY_INFO_free);
  unsigned char* der = nullptr;
  const int len = p8 ? i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &der) : -1;
  if (len <= 0) throw std::runtime_error("test key");
  const std::string private_der(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  const auto pair = jose::KeyPair::from_private_der(jose::Algorithm::kRS256, private_der);
  const auto now = std::chrono::system_clock::now();
  auto cert = self_signed_certificate(pair, cn, 7, now - std::chrono::hours(1), now + std::chrono::hours(24));
  if (!cert) throw std::runtime_error(cert.error());
  auto signing = SigningKey::from_pkcs8(private_der, *cert);
  auto trusted = TrustedKey::from_certificate_der(*cert);
  if (!signing || !trusted) throw std::runtime_error("test key");
  return TestKey{private_der, *cert, *signing, *trusted};
}

class SamlEncrypt : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    idp_ = new TestKey(testing::make_test_key(jose::Algorithm::kRS256, "idp.example"));
    sp2048_ = new TestKey(make_rsa_key(2048, "sp.example"));
    sp4096_ = new TestKey(make_rsa_key(4096, "sp4096.example"));
    sp_ec_ = new TestKey(testing::make_test_key(jose::Algorithm::kES256, "sp-ec.example"));
  }
  static void TearDownTestSuite() { delete idp_; delete sp2048_; delete sp4096_; delete sp_ec_; }

  static Document parsed(std::string_view xml) {
    auto doc = parse(xml, kCap);
    if (!doc) throw std::runtime_error(doc.error());
    return std::move(*doc);
  }
  static xmlNodePtr assertion_of(const Document& doc) { return first_child(doc.root(), kNsAssertion, "Assertion"); }
  static xmlNodePtr encrypted_of(const Document& doc) { return first_child(doc.root(), kNsAssertion, "EncryptedAssertion"); }

  // kResponse with its Assertion signed by the IdP, then encrypted for `sp`: the text on the wire.
  static std::string encrypted_response(const TestKey& sp, const EncryptionOptions& options = {}) {
    Document doc = parsed(kResponse);
    if (auto s = sign_enveloped(doc, assertion_of(doc), idp_->signing); !s) throw std::runtime_error(s.error());
    auto e = encrypt_assertion(doc, assertion_of(doc), sp.trusted, options);
    if (!e) throw std::runtime_error(e.error());
    return serialize(doc);
  }
  // Decrypts the text's EncryptedAssertion and verifies the signature. @returns "alice" (the
  // NameID) or the reason.
  static std::string decrypt_and_verify(const std::string& xml, const TestKey& sp) {
    Document doc = parsed(xml);
    auto assertion = decrypt_assertion(doc, encrypted_of(doc), sp.private_der);
    if (!assertion) return assertion.error();
    if (*assertion != assertion_of(doc)) return "not in place";
    if (auto v = verify_enveloped(doc, *assertion, {idp_->trusted}); !v) return v.error();
    return text(first_child(first_child(*assertion, kNsAssertion, "Subject"), kNsAssertion, "NameID"));
  }
  static std::string replaced(std::string text, std::string_view from, std::string_view to) {
    const auto at = text.find(from);
    if (at == std::string::npos) throw std::runtime_error("fixture: " + std::string(from) + " not found");
    return text.replace(at, from.size(), to);
  }
  // The which-th xenc:CipherValue in document order (0: the EncryptedKey's, 1: the content's).
  static std::string cipher_value_of(const std::string& xml, std::size_t which) {
    Document doc = parsed(xml);
    std::vector<std::string> values;
    collect_cipher_values(doc.root(), values);
    return values.at(which);
  }
  static void collect_cipher_values(const xmlNode* node, std::vector<std::string>& out) {
    for (xmlNodePtr c : child_elements(node)) {
      if (is_element(c, kNsXmlEnc, "CipherValue")) out.push_back(text(c));
      collect_cipher_values(c, out);
    }
  }

  static inline TestKey* idp_ = nullptr;
  static inline TestKey* sp2048_ = nullptr;
  static inline TestKey* sp4096_ = nullptr;
  static inline TestKey* sp_ec_ = nullptr;
};

const std::vector<ContentEncryption> kContents = {ContentEncryption::kAes256Gcm, ContentEncryption::kAes128Gcm,
                                                  ContentEncryption::kAes256Cbc};
const std::vector<KeyTransport> kTransports = {KeyTransport::kRsaOaepSha256, KeyTransport::kRsaOaepMgf1p};

TEST_F(SamlEncrypt, DefaultLayoutAndAlgorithms) {
  Document doc = parsed(kResponse);
  ASSERT_TRUE(sign_enveloped(doc, assertion_of(doc), idp_->signing));
  auto encrypted = encrypt_assertion(doc, assertion_of(doc), sp2048_->trusted);
  ASSERT_TRUE(encrypted) << encrypted.error();
  EXPECT_EQ(assertion_of(doc), nullptr);
  ASSERT_EQ(*encrypted, encrypted_of(doc));
  // The Response declares samlp then saml: the EncryptedAssertion reuses that saml, declares none.
  EXPECT_EQ((*encrypted)->ns, doc.root()->nsDef->next);
  EXPECT_EQ((*encrypted)->nsDef, nullptr);
  auto data = exactly_one_child(*encrypted, kNsXmlEnc, "EncryptedData");
  ASSERT_TRUE(data);
  EXPECT_EQ(attribute(*data, "Type"), std::string(kEncTypeElement));
  auto parts = child_elements(*data);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(attribute(parts[0], "Algorithm"), std::string(kAes256Gcm));
  ASSERT_TRUE(is_element(parts[1], kNsDsig, "KeyInfo"));
  xmlNodePtr key = first_child(parts[1], kNsXmlEnc, "EncryptedKey");
  ASSERT_NE(key, nullptr);
  xmlNodePtr method = first_child(key, kNsXmlEnc, "EncryptionMethod");
  EXPECT_EQ(attribute(method, "Algorithm"), std::string(kRsaOaep));
  EXPECT_EQ(attribute(first_child(method, kNsDsig, "DigestMethod"), "Algorithm"), std::string(kSha256));
  EXPECT_EQ(first_child(key, kNsDsig, "KeyInfo"), nullptr);  // no certificate unless asked
  const std::string wire = serialize(doc);
  EXPECT_EQ(wire.find("alice"), std::string::npos);
  EXPECT_EQ(decrypt_and_verify(wire, *sp2048_), "alice");
}

TEST_F(SamlEncrypt, RoundTripEveryAlgorithmAndKeySize) {
  for (const TestKey* sp : {sp2048_, sp4096_}) {
    for (auto content : kContents) {
      for (auto transport : kTransports) {
        const std::string wire = encrypted_response(*sp, {content, transport, true});
        SCOPED_TRACE(std::string(algorithm_uri(content)) + " " + std::string(algorithm_uri(transport)));
        EXPECT_NE(wire.find(std::string(algorithm_uri(content))), std::string::npos);
        EXPECT_NE(wire.find(std::string(algorithm_uri(transport))), std::string::npos);
        EXPECT_NE(wire.find("<ds:X509Certificate>"), std::string::npos);
        EXPECT_EQ(decrypt_and_verify(wire, *sp), "alice");
        const TestKey& other = sp == sp2048_ ? *sp4096_ : *sp2048_;
        EXPECT_EQ(decrypt_and_verify(wire, other), "decrypt: the EncryptedAssertion does not decrypt with this key");
      }
    }
  }
}

TEST_F(SamlEncrypt, CarriesTheNamespacesInScope) {
  // The xs prefix of xsi:type="xs:string" is declared only on the Response: the decrypted
  // assertion, taken out on its own, still has it.
  Document doc = parsed(encrypted_response(*sp2048_));
  auto assertion = decrypt_assertion(doc, encrypted_of(doc), sp2048_->private_der);
  ASSERT_TRUE(assertion) << assertion.error();
  Document alone(xmlNewDoc(reinterpret_cast<const xmlChar*>("1.0")));
  xmlDocSetRootElement(alone.get(), xmlDocCopyNode(*assertion, alone.get(), 1));
  const std::string text = serialize(alone);
  EXPECT_NE(text.find("xmlns:xs=\"http://www.w3.org/2001/XMLSchema\""), std::string::npos) << text;
}

TEST_F(SamlEncrypt, StandaloneAssertionAsRoot) {
  Document doc = parsed(R"(<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_s1" Version="2.0" IssueInstant="2024-01-01T00:00:00Z"><saml:Issuer>https://idp.example</saml:Issuer><saml:Subject><saml:NameID>alice</saml:NameID></saml:Subject></saml:Assertion>)");
  ASSERT_TRUE(sign_enveloped(doc, doc.root(), idp_->signing));
  auto encrypted = encrypt_assertion(doc, doc.root(), sp2048_->trusted);
  ASSERT_TRUE(encrypted) << encrypted.error();
  EXPECT_EQ(doc.root(), *encrypted);
  Document again = parsed(serialize(doc));
  auto assertion = decrypt_assertion(again, again.root(), sp2048_->private_der);
  ASSERT_TRUE(assertion) << assertion.error();
  EXPECT_EQ(again.root(), *assertion);
  EXPECT_TRUE(verify_enveloped(again, *assertion, {idp_->trusted}));
}

TEST_F(SamlEncrypt, EcKeyRefused) {
  Document doc = parsed(kResponse);
  xmlNodePtr assertion = assertion_of(doc);
  auto r = encrypt_assertion(doc, assertion, sp_ec_->trusted);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "encrypt: the SP's encryption key is not RSA");
  EXPECT_EQ(assertion_of(doc), assertion);  // untouched
  const std::string wire = encrypted_response(*sp2048_);
  Document enc = parsed(wire);
  EXPECT_EQ(decrypt_assertion(enc, encrypted_of(enc), sp_ec_->private_der).error(), "decrypt: the private key is not RSA");
}

TEST_F(SamlEncrypt, OtherInputsRefused) {
  Document doc = parsed(kResponse);
  EXPECT_EQ(encrypt_assertion(doc, doc.root(), sp2048_->trusted).error(), "encrypt: not a saml:Assertion of this document");
  unsigned char* spki = nullptr;
  const int len = i2d_PUBKEY(sp2048_->trusted.native(), &spki);
  ASSERT_GT(len, 0);
  auto bare = TrustedKey::from_public_key_der(std::string(reinterpret_cast<const char*>(spki), static_cast<std::size_t>(len)));
  OPENSSL_free(spki);
  ASSERT_TRUE(bare);
  EXPECT_EQ(encrypt_assertion(doc, assertion_of(doc), *bare, {.include_certificate = true}).error(),
            "encrypt: the SP's key came without a certificate");
  EXPECT_NE(assertion_of(doc), nullptr);
  EXPECT_EQ(decrypt_assertion(doc, assertion_of(doc), sp2048_->private_der).error(), "decrypt: not a saml:EncryptedAssertion");
  Document enc = parsed(encrypted_response(*sp2048_));
  EXPECT_EQ(decrypt_assertion(enc, encrypted_of(enc), "not a key").error().rfind("decrypt: signing key: not PKCS#8 DER", 0), 0u);
}

TEST_F(SamlEncrypt, TamperedCiphertextRefused) {
  for (auto content : kContents) {
    const std::string wire = encrypted_response(*sp2048_, {content, KeyTransport::kRsaOaepSha256, false});
    const std::string value = cipher_value_of(wire, 1);  // the EncryptedData's (the key's is first)
    auto bytes = base64_decode(value);
    ASSERT_TRUE(bytes);
    (*bytes)[bytes->size() / 2] ^= 0x01;  // a bit in the middle of the ciphertext
    const std::string tampered = replaced(wire, value, base64_encode(*bytes));
    const std::string result = decrypt_and_verify(tampered, *sp2048_);
    if (content == ContentEncryption::kAes256Cbc) {
      // CBC has no tag: the damage shows later (an unparsable plaintext or a broken signature).
      EXPECT_NE(result, "alice");
    } else {
      EXPECT_EQ(result, "decrypt: the EncryptedAssertion does not decrypt with this key");  // the GCM tag
    }
  }
  // A damaged content key.
  const std::string wire = encrypted_response(*sp2048_);
  const std::string key_value = cipher_value_of(wire, 0);
  auto key_bytes = base64_decode(key_value);
  (*key_bytes)[5] ^= 0x80;
  EXPECT_EQ(decrypt_and_verify(replaced(wire, key_value, base64_encode(*key_bytes)), *sp2048_),
            "decrypt: the EncryptedAssertion does not decrypt with this key");
}

TEST_F(SamlEncrypt, FreshContentKeyEachTime) {
  // The same assertion twice: different ciphertexts, and different content keys (seen by
  // unwrapping each EncryptedKey with the SP's key, independently of decrypt_assertion).
  const std::string a = encrypted_response(*sp2048_);
  const std::string b = encrypted_response(*sp2048_);
  EXPECT_NE(cipher_value_of(a, 1), cipher_value_of(b, 1));
  std::vector<std::string> keys;
  for (const std::string* wire : {&a, &b}) {
    auto wrapped = base64_decode(cipher_value_of(*wire, 0));
    ASSERT_TRUE(wrapped);
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new(sp2048_->signing.native(), nullptr), &EVP_PKEY_CTX_free);
    ASSERT_EQ(EVP_PKEY_decrypt_init(ctx.get()), 1);
    ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING), 1);
    ASSERT_EQ(EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), EVP_sha256()), 1);
    ASSERT_EQ(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha1()), 1);  // OpenSSL 3 would take SHA-256
    unsigned char out[512];
    std::size_t size = sizeof out;
    ASSERT_EQ(EVP_PKEY_decrypt(ctx.get(), out, &size, reinterpret_cast<const unsigned char*>(wrapped->data()), wrapped->size()), 1);
    EXPECT_EQ(size, 32u);
    keys.emplace_back(reinterpret_cast<const char*>(out), size);
  }
  EXPECT_NE(keys[0], keys[1]);
}

// The decrypter's shape rules, each on an otherwise valid EncryptedAssertion.
TEST_F(SamlEncrypt, StrictShapeRefused) {
  const std::string wire = encrypted_response(*sp2048_);
  const std::string content = cipher_value_of(wire, 1);
  auto refused = [&](const std::string& xml) {
    Document doc = parsed(xml);
    auto r = decrypt_assertion(doc, encrypted_of(doc), sp2048_->private_der);
    EXPECT_NE(encrypted_of(doc), nullptr);  // the document is left as it was
    return r ? std::string("decrypted") : r.error();
  };
  EXPECT_EQ(refused(replaced(wire, "<xenc:CipherValue>" + content + "</xenc:CipherValue>",
                             R"(<xenc:CipherReference URI="https://sp.example/c"/>)")),
            "decrypt: EncryptedData: a CipherReference is refused");
  EXPECT_EQ(refused(replaced(wire, std::string(kAes256Gcm), "http://www.w3.org/2001/04/xmlenc#tripledes-cbc")),
            "decrypt: content encryption refused: http://www.w3.org/2001/04/xmlenc#tripledes-cbc");
  EXPECT_EQ(refused(replaced(wire, std::string(kRsaOaep), "http://www.w3.org/2001/04/xmlenc#rsa-1_5")),
            "decrypt: key transport refused: http://www.w3.org/2001/04/xmlenc#rsa-1_5");
  EXPECT_EQ(refused(replaced(wire, std::string(kSha256) + "\"/>", std::string(kSha1) + "\"/>")),
            "decrypt: OAEP digest refused: " + std::string(kSha1));
  EXPECT_EQ(refused(replaced(wire, "</xenc:EncryptionMethod><xenc:CipherData>",
                             "<xenc:OAEPparams>AAAA</xenc:OAEPparams></xenc:EncryptionMethod><xenc:CipherData>")),
            "decrypt: unexpected OAEPparams in the key transport method");
  EXPECT_EQ(refused(replaced(wire, "<xenc:EncryptedKey>", R"(<xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="x"/></xenc:EncryptedKey><xenc:EncryptedKey>)")),
            "decrypt: KeyInfo is not exactly one EncryptedKey");
  EXPECT_EQ(refused(replaced(wire, "</xenc:EncryptedData>", "</xenc:EncryptedData><xenc:EncryptedKey xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\"/>")),
            "decrypt: not exactly one EncryptedData (and nothing beside it)");
  EXPECT_EQ(refused(replaced(wire, "Type=\"http://www.w3.org/2001/04/xmlenc#Element\"", "Type=\"http://www.w3.org/2001/04/xmlenc#Content\"")),
            "decrypt: EncryptedData is not of Type Element");
  EXPECT_EQ(refused(replaced(wire, content, "!!!")), "decrypt: EncryptedData: CipherValue is not base64");
}

// An EncryptedAssertion made by hand with OpenSSL (AES-256-GCM: IV, ciphertext, tag; the key by
// rsa-oaep-mgf1p) around any plaintext, to feed the decrypter what our encrypter never makes.
std::string hand_encrypted(std::string_view plain, EVP_PKEY* sp_key) {
  unsigned char key[32], iv[12], tag[16];
  RAND_bytes(key, sizeof key);
  RAND_bytes(iv, sizeof iv);
  std::string out(plain.size(), '\0');
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> c(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  int len = 0, fin = 0;
  EVP_EncryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, key, iv);
  EVP_EncryptUpdate(c.get(), reinterpret_cast<unsigned char*>(out.data()), &len, reinterpret_cast<const unsigned char*>(plain.data()), static_cast<int>(plain.size()));
  EVP_EncryptFinal_ex(c.get(), nullptr, &fin);
  EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_GET_TAG, sizeof tag, tag);
  const std::string content = std::string(reinterpret_cast<char*>(iv), sizeof iv) + out + std::string(reinterpret_cast<char*>(tag), sizeof tag);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> k(EVP_PKEY_CTX_new(sp_key, nullptr), &EVP_PKEY_CTX_free);
  EVP_PKEY_encrypt_init(k.get());
  EVP_PKEY_CTX_set_rsa_padding(k.get(), RSA_PKCS1_OAEP_PADDING);
  unsigned char wrapped[1024];
  std::size_t size = sizeof wrapped;
  if (EVP_PKEY_encrypt(k.get(), wrapped, &size, key, sizeof key) != 1) throw std::runtime_error("hand_encrypted");
  return R"(<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Type="http://www.w3.org/2001/04/xmlenc#Element"><xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm"/><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/><xenc:CipherData><xenc:CipherValue>)" +
         base64_encode(std::string(reinterpret_cast<char*>(wrapped), size)) + R"(</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo><xenc:CipherData><xenc:CipherValue>)" +
         base64_encode(content) + "</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml:EncryptedAssertion>";
}

TEST_F(SamlEncrypt, PlaintextMustBeOneAssertion) {
  auto decrypt = [&](std::string_view plain) {
    Document doc = parsed(hand_encrypted(plain, sp2048_->signing.native()));
    auto r = decrypt_assertion(doc, doc.root(), sp2048_->private_der);
    return r ? std::string(local_name(*r)) : r.error();
  };
  // The saml prefix comes from the EncryptedAssertion's scope: another encrypter may rely on it.
  EXPECT_EQ(decrypt(R"( <saml:Assertion ID="_x"><saml:Issuer>i</saml:Issuer></saml:Assertion> )"), "Assertion");
  EXPECT_EQ(decrypt(R"(<saml:Assertion ID="_x"/><saml:Assertion ID="_y"/>)"), "decrypt: the plaintext is not exactly one saml:Assertion");
  EXPECT_EQ(decrypt(R"(<saml:Issuer>i</saml:Issuer>)"), "decrypt: the plaintext is not exactly one saml:Assertion");
  EXPECT_EQ(decrypt(R"(<saml:Assertion ID="_x"/>trailing)"), "decrypt: the plaintext is not exactly one saml:Assertion");
  EXPECT_EQ(decrypt(""), "decrypt: the plaintext holds no saml:Assertion");
  EXPECT_EQ(decrypt(R"(<!DOCTYPE a [<!ENTITY e "x">]><saml:Assertion ID="_x"/>)"),
            "decrypt: the plaintext: XML refused: a DOCTYPE (DTDs are refused)");
  EXPECT_EQ(decrypt(R"(<saml:Assertion ID="_x">)").rfind("decrypt: the plaintext: XML refused: not well-formed", 0), 0u);
}

TEST_F(SamlEncrypt, ChooseFromMetadata) {
  auto pick = [](std::vector<std::string> uris) {
    auto r = choose_encryption(uris);
    return r ? std::string(algorithm_uri(r->content)) + " " + std::string(algorithm_uri(r->key_transport)) : r.error();
  };
  const std::string gcm256(kAes256Gcm), gcm128(kAes128Gcm), cbc(kAes256Cbc), oaep(kRsaOaep), mgf1p(kRsaOaepMgf1p);
  EXPECT_EQ(pick({}), gcm256 + " " + mgf1p);  // nothing listed: what every SP decrypts
  EXPECT_EQ(pick({cbc, gcm128, mgf1p, oaep}), gcm128 + " " + oaep);  // GCM preferred over the SP's order
  EXPECT_EQ(pick({cbc, gcm256, gcm128}), gcm256 + " " + mgf1p);
  EXPECT_EQ(pick({cbc, mgf1p}), cbc + " " + mgf1p);  // an SP with CBC only
  EXPECT_EQ(pick({"http://www.w3.org/2001/04/xmlenc#aes128-cbc", mgf1p}), "encrypt: the SP offers no content encryption we support");
  EXPECT_EQ(pick({gcm256, "http://www.w3.org/2001/04/xmlenc#rsa-1_5"}), "encrypt: the SP offers no key transport we support");
}

// Independent decryption with the xmlsec1 tool (as pysaml2 and lasso use xmlsec): every content
// algorithm with rsa-oaep-mgf1p, the one key transport xmlsec1 1.2 has, with and without the
// certificate in EncryptedKey/KeyInfo. The decrypted assertion still verifies.
TEST_F(SamlEncrypt, DecryptedByTheXmlsec1Tool) {
  if (!testing::have_xmlsec1_tool()) GTEST_SKIP() << "the xmlsec1 tool is missing (scripts/bootstrap installs it)";
  TempDir dir;
  dir.write("key.pem", testing::pem("PRIVATE KEY", sp2048_->private_der));
  for (auto content : kContents) {
    for (bool certificate : {false, true}) {
      SCOPED_TRACE(std::string(algorithm_uri(content)) + (certificate ? " with certificate" : ""));
      dir.write("in.xml", encrypted_response(*sp2048_, {content, KeyTransport::kRsaOaepMgf1p, certificate}));
      ASSERT_TRUE(testing::run_xmlsec1(dir, "--decrypt --privkey-pem " + dir.path("key.pem") + " --output " +
                                                dir.path("out.xml") + " " + dir.path("in.xml")))
          << dir.read("xmlsec1.log");
      Document out = parsed(dir.read("out.xml"));
      xmlNodePtr assertion = first_child(encrypted_of(out), kNsAssertion, "Assertion");
      ASSERT_NE(assertion, nullptr) << dir.read("out.xml");
      EXPECT_TRUE(verify_enveloped(out, assertion, {idp_->trusted}));
    }
  }
}

// xmlenc11#rsa-oaep with SHA-256, which xmlsec1 1.2 cannot unwrap: the content key is unwrapped
// by the openssl tool (OAEP, SHA-256, MGF1-SHA1), then the content decrypted by the xmlsec1 tool
// with that key; two independent implementations, one per layer.
TEST_F(SamlEncrypt, RsaOaepSha256ByTheOpensslAndXmlsec1Tools) {
  if (!testing::have_xmlsec1_tool() || std::system("openssl version >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "the xmlsec1 or openssl tool is missing (scripts/bootstrap installs them)";
  }
  TempDir dir;
  dir.write("key.pem", testing::pem("PRIVATE KEY", sp4096_->private_der));
  for (auto content : kContents) {
    SCOPED_TRACE(std::string(algorithm_uri(content)));
    const std::string wire = encrypted_response(*sp4096_, {content, KeyTransport::kRsaOaepSha256, false});
    dir.write("wrapped.bin", *base64_decode(cipher_value_of(wire, 0)));
    const std::string unwrap = "openssl pkeyutl -decrypt -inkey " + dir.path("key.pem") + " -in " + dir.path("wrapped.bin") +
                               " -out " + dir.path("content.key") +
                               " -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha1";
    ASSERT_EQ(std::system(unwrap.c_str()), 0);
    // The EncryptedData's KeyInfo now names the key instead of carrying it.
    Document doc = parsed(wire);
    xmlNodePtr data = first_child(encrypted_of(doc), kNsXmlEnc, "EncryptedData");
    xmlNodePtr info = first_child(data, kNsDsig, "KeyInfo");
    xmlNodePtr key = first_child(info, kNsXmlEnc, "EncryptedKey");
    xmlUnlinkNode(key);
    xmlFreeNode(key);
    xmlNewTextChild(info, info->ns, reinterpret_cast<const xmlChar*>("KeyName"), reinterpret_cast<const xmlChar*>("content"));
    dir.write("in.xml", serialize(doc));
    ASSERT_TRUE(testing::run_xmlsec1(dir, "--decrypt --aeskey:content " + dir.path("content.key") + " --output " +
                                              dir.path("out.xml") + " " + dir.path("in.xml")))
        << dir.read("xmlsec1.log");
    Document out = parsed(dir.read("out.xml"));
    xmlNodePtr assertion = first_child(encrypted_of(out), kNsAssertion, "Assertion");
    ASSERT_NE(assertion, nullptr) << dir.read("out.xml");
    EXPECT_TRUE(verify_enveloped(out, assertion, {idp_->trusted}));
  }
}

// pysaml2 as an SP decrypts (through the xmlsec1 tool, its default back end) and verifies the
// assertion's signature, then reads the NameID. Arguments: the Response, the SP's key, the IdP's
// certificate. Debian's python3 (/usr/bin), where python3-pysaml2 installs, whatever PATH says.
constexpr std::string_view kPysaml2Script = R"(import sys
from saml2 import extension_elements_to_elements, saml, samlp
from saml2.sigver import CryptoBackendXmlSec1, SecurityContext, get_xmlsec_binary

response_file, key_file, idp_cert = sys.argv[1:4]
sec = SecurityContext(CryptoBackendXmlSec1(get_xmlsec_binary()), key_file=key_file, enc_key_files=[key_file])
decrypted = sec.decrypt(open(response_file).read(), key_file=key_file)
if not sec.verify_signature(decrypted, cert_file=idp_cert, cert_type="pem",
                            node_name="urn:oasis:names:tc:SAML:2.0:assertion:Assertion", node_id="_a1"):
    sys.exit("signature")
response = samlp.response_from_string(decrypted)
assertion = extension_elements_to_elements(response.encrypted_assertion[0].extension_elements, [saml, samlp])[0]
print(assertion.subject.name_id.text)
)";

TEST_F(SamlEncrypt, DecryptedByPysaml2) {
  if (std::system("/usr/bin/python3 -c 'import saml2' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "pysaml2 is missing (scripts/bootstrap installs python3-pysaml2)";
  }
  TempDir dir;
  const std::string script = dir.write("decrypt.py", kPysaml2Script);
  const std::string key = dir.write("key.pem", testing::pem("PRIVATE KEY", sp2048_->private_der));
  const std::string cert = dir.write("idp.pem", testing::pem("CERTIFICATE", idp_->certificate_der));
  for (auto content : kContents) {
    SCOPED_TRACE(std::string(algorithm_uri(content)));
    const std::string response = dir.write("response.xml", encrypted_response(*sp2048_, {content, KeyTransport::kRsaOaepMgf1p, true}));
    const std::string command = "/usr/bin/python3 " + script + " " + response + " " + key + " " + cert + " >" + dir.path("out") + " 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << dir.read("out");
    EXPECT_EQ(dir.read("out"), "alice\n");
  }
}

}  // namespace
}  // namespace gatehouse::saml
