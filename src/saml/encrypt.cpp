#include "saml/encrypt.hpp"

// What xmlsec1 1.2.37 (Debian's) does here and what it does not:
// - the content (AES-GCM and AES-CBC over the assertion's bytes) is xmlsec's: its OpenSSL backend
//   has aes128-gcm, aes256-gcm and aes256-cbc, and using it keeps our IV and tag layout exactly
//   the one the xmlsec1 tool, pysaml2 and lasso read back;
// - the content key's transport is OpenSSL EVP, directly: xmlsec 1.2 knows only rsa-oaep-mgf1p
//   (SHA-1 digest) and not xmlenc11#rsa-oaep with a SHA-256 DigestMethod (that arrived in 1.3).
//   Both variants go through the same EVP code so there is one path to get right, and xmlsec never
//   needs a keys manager: nothing in a message can make it look a key up.
// - xmlsec serialises an element it encrypts without the namespace declarations it inherits, so
//   we serialise the assertion ourselves (with them) and have xmlsec encrypt the bytes.

#include <array>
#include <memory>

#include <libxml/tree.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <xmlsec/buffer.h>
#include <xmlsec/crypto.h>
#include <xmlsec/keys.h>
#include <xmlsec/keysdata.h>
#include <xmlsec/xmlenc.h>

#include "saml/dsig.hpp"
#include "saml/encoding.hpp"
#include "saml/libxml_support.hpp"

namespace gatehouse::saml {
namespace {

using detail::MessageCapture;

constexpr std::size_t kCertificateLine = 64;
constexpr std::string_view kNoDecrypt = "decrypt: the EncryptedAssertion does not decrypt with this key";

const xmlChar* xml_chars(const char* s) { return reinterpret_cast<const xmlChar*>(s); }
const xmlChar* xml_chars(std::string_view s) { return reinterpret_cast<const xmlChar*>(s.data()); }  // literals only
std::string_view view(const xmlChar* s) {
  return s == nullptr ? std::string_view{} : std::string_view(reinterpret_cast<const char*>(s));
}

template <auto FreeFn>
struct Free {
  template <class T>
  void operator()(T* p) const noexcept { FreeFn(p); }
};
using DocPtr = std::unique_ptr<xmlDoc, Free<&xmlFreeDoc>>;
using NodePtr = std::unique_ptr<xmlNode, Free<&xmlFreeNode>>;
using EncCtxPtr = std::unique_ptr<xmlSecEncCtx, Free<&xmlSecEncCtxDestroy>>;
using KeyPtr = std::unique_ptr<xmlSecKey, Free<&xmlSecKeyDestroy>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Free<&EVP_PKEY_CTX_free>>;

// A string that is wiped when it goes: the content key.
struct Secret {
  std::string bytes;
  ~Secret() { if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

xmlSecTransformId transform_of(ContentEncryption content) {
  switch (content) {
    case ContentEncryption::kAes128Gcm: return xmlSecTransformAes128GcmId;
    case ContentEncryption::kAes256Cbc: return xmlSecTransformAes256CbcId;
    case ContentEncryption::kAes256Gcm: break;
  }
  return xmlSecTransformAes256GcmId;
}

std::size_t key_bytes(ContentEncryption content) { return content == ContentEncryption::kAes128Gcm ? 16 : 32; }

std::optional<ContentEncryption> content_from(std::string_view uri) {
  for (auto c : {ContentEncryption::kAes256Gcm, ContentEncryption::kAes128Gcm, ContentEncryption::kAes256Cbc}) {
    if (algorithm_uri(c) == uri) return c;
  }
  return std::nullopt;
}

std::optional<KeyTransport> transport_from(std::string_view uri) {
  if (uri == kRsaOaep) return KeyTransport::kRsaOaepSha256;
  if (uri == kRsaOaepMgf1p) return KeyTransport::kRsaOaepMgf1p;
  return std::nullopt;
}

// RSA-OAEP with OpenSSL EVP (see the note at the top): the digest is SHA-256 or SHA-1, the mask
// generation function MGF1 with SHA-1 in both cases, no label. @returns nullopt on any failure.
std::optional<std::string> rsa_oaep(EVP_PKEY* key, KeyTransport transport, std::string_view in, bool encrypt) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr));
  const EVP_MD* digest = transport == KeyTransport::kRsaOaepSha256 ? EVP_sha256() : EVP_sha1();
  const auto* input = reinterpret_cast<const unsigned char*>(in.data());
  std::size_t size = 0;
  const bool ready = ctx && (encrypt ? EVP_PKEY_encrypt_init(ctx.get()) : EVP_PKEY_decrypt_init(ctx.get())) == 1 &&
                     EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) == 1 &&
                     EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), digest) == 1 &&
                     EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha1()) == 1 &&
                     (encrypt ? EVP_PKEY_encrypt(ctx.get(), nullptr, &size, input, in.size())
                              : EVP_PKEY_decrypt(ctx.get(), nullptr, &size, input, in.size())) == 1;
  if (!ready) { ERR_clear_error(); return std::nullopt; }
  std::string out(size, '\0');
  auto* output = reinterpret_cast<unsigned char*>(out.data());
  const int done = encrypt ? EVP_PKEY_encrypt(ctx.get(), output, &size, input, in.size())
                           : EVP_PKEY_decrypt(ctx.get(), output, &size, input, in.size());
  if (done != 1) { ERR_clear_error(); OPENSSL_cleanse(out.data(), out.size()); return std::nullopt; }
  out.resize(size);
  return out;
}

// The namespace declarations in scope at `node`, innermost first (one per prefix; the "xml"
// prefix is implicit and left out).
std::vector<xmlNsPtr> namespaces_in_scope(xmlNodePtr node) {
  std::vector<xmlNsPtr> out;
  xmlNsPtr* list = xmlGetNsList(node->doc, node);
  for (xmlNsPtr* p = list; p != nullptr && *p != nullptr; ++p) {
    if (view((*p)->prefix) != "xml") out.push_back(*p);
  }
  xmlFree(list);
  return out;
}

// The assertion as text that stands on its own: a copy in a document of its own, with every
// namespace declaration in scope at the original repeated on the copy (xsi:type values such as
// "xs:string" use prefixes no element or attribute name shows).
Result<std::string, std::string> standalone_bytes(xmlNodePtr assertion) {
  DocPtr tmp(xmlNewDoc(xml_chars("1.0")));
  xmlNodePtr copy = tmp ? xmlDocCopyNode(assertion, tmp.get(), 1) : nullptr;
  if (copy == nullptr) return unexpected(std::string("encrypt: out of memory"));
  xmlDocSetRootElement(tmp.get(), copy);
  for (xmlNsPtr ns : namespaces_in_scope(assertion)) {
    if (xmlSearchNs(tmp.get(), copy, ns->prefix) == nullptr) xmlNewNs(copy, ns->href, ns->prefix);
  }
  std::unique_ptr<xmlBuffer, Free<&xmlBufferFree>> buffer(xmlBufferCreate());
  if (!buffer || xmlNodeDump(buffer.get(), tmp.get(), copy, 0, 0) < 0) return unexpected(std::string("encrypt: could not serialise the assertion"));
  return std::string(reinterpret_cast<const char*>(xmlBufferContent(buffer.get())), static_cast<std::size_t>(xmlBufferLength(buffer.get())));
}

xmlNodePtr add_child(xmlNodePtr parent, xmlNsPtr ns, const char* name) { return xmlNewChild(parent, ns, xml_chars(name), nullptr); }

void set_algorithm(xmlNodePtr node, std::string_view uri) {
  const std::string value(uri);
  xmlNewProp(node, xml_chars("Algorithm"), xml_chars(value.c_str()));
}

// saml:EncryptedAssertion/xenc:EncryptedData with its EncryptionMethod and an empty CipherValue,
// not yet in the tree; `ns_parent` is where it will go, to reuse a saml prefix in scope there.
xmlNodePtr encrypted_assertion_template(Document& doc, xmlNodePtr ns_parent, ContentEncryption content) {
  xmlNodePtr outer = xmlNewDocNode(doc.get(), nullptr, xml_chars("EncryptedAssertion"), nullptr);
  if (outer == nullptr) return nullptr;
  const std::string saml_ns(kNsAssertion);
  xmlNsPtr saml = ns_parent != nullptr && ns_parent->type == XML_ELEMENT_NODE
                      ? xmlSearchNsByHref(doc.get(), ns_parent, xml_chars(saml_ns.c_str()))
                      : nullptr;
  if (saml == nullptr) saml = xmlNewNs(outer, xml_chars(saml_ns.c_str()), xml_chars("saml"));
  xmlSetNs(outer, saml);
  xmlNodePtr data = add_child(outer, nullptr, "EncryptedData");
  xmlNsPtr xenc = xmlNewNs(data, xml_chars(kNsXmlEnc), xml_chars("xenc"));
  xmlSetNs(data, xenc);
  xmlNewProp(data, xml_chars("Type"), xml_chars(kEncTypeElement));
  set_algorithm(add_child(data, xenc, "EncryptionMethod"), algorithm_uri(content));
  add_child(add_child(data, xenc, "CipherData"), xenc, "CipherValue");
  return outer;
}

// ds:KeyInfo/xenc:EncryptedKey for the content key, encrypted for the SP; inserted after the
// EncryptedData's EncryptionMethod.
Result<void, std::string> add_encrypted_key(xmlNodePtr data, const std::string& content_key, const TrustedKey& sp_key,
                                            const EncryptionOptions& options) {
  auto wrapped = rsa_oaep(sp_key.native(), options.key_transport, content_key, true);
  if (!wrapped) return unexpected(std::string("encrypt: RSA-OAEP failed"));
  xmlNsPtr xenc = data->ns;
  xmlNodePtr info = xmlNewDocNode(data->doc, nullptr, xml_chars("KeyInfo"), nullptr);
  xmlNsPtr ds = xmlNewNs(info, xml_chars(kNsDsig), xml_chars("ds"));
  xmlSetNs(info, ds);
  xmlAddNextSibling(first_child(data, kNsXmlEnc, "EncryptionMethod"), info);
  xmlNodePtr key = add_child(info, xenc, "EncryptedKey");
  xmlNodePtr method = add_child(key, xenc, "EncryptionMethod");
  set_algorithm(method, algorithm_uri(options.key_transport));
  if (options.key_transport == KeyTransport::kRsaOaepSha256) set_algorithm(add_child(method, ds, "DigestMethod"), kSha256);
  if (options.include_certificate) {
    const std::string cert = base64_encode(sp_key.certificate_der(), kCertificateLine);
    xmlNodePtr x509 = add_child(add_child(key, ds, "KeyInfo"), ds, "X509Data");
    xmlNewTextChild(x509, ds, xml_chars("X509Certificate"), xml_chars(cert.c_str()));
  }
  const std::string value = base64_encode(*wrapped, kCertificateLine);
  xmlNewTextChild(add_child(key, xenc, "CipherData"), xenc, xml_chars("CipherValue"), xml_chars(value.c_str()));
  return {};
}

// An xmlsec encryption context with only `content`'s transform enabled and no URI of any kind
// (a CipherReference cannot be followed even if one got this far).
EncCtxPtr content_context(ContentEncryption content) {
  EncCtxPtr ctx(xmlSecEncCtxCreate(nullptr));  // no keys manager: the key is always set by us
  if (!ctx) return nullptr;
  ctx->transformCtx.enabledUris = xmlSecTransformUriTypeNone;
  if (xmlSecPtrListAdd(&ctx->transformCtx.enabledTransforms, const_cast<void*>(static_cast<const void*>(transform_of(content)))) < 0) {
    return nullptr;
  }
  return ctx;
}

// Encrypts `plain` into the template's CipherValue with a fresh content key. @returns the key.
Result<Secret, std::string> encrypt_content(xmlNodePtr data, const std::string& plain, ContentEncryption content) {
  MessageCapture capture;
  EncCtxPtr ctx = content_context(content);
  if (!ctx) return unexpected(std::string("encrypt: xmlsec context failed"));
  const auto bits = static_cast<xmlSecSize>(key_bytes(content) * 8);
  ctx->encKey = xmlSecKeyGenerate(xmlSecKeyDataAesId, bits, xmlSecKeyDataTypeSession);  // owned by ctx
  if (ctx->encKey == nullptr) return unexpected("encrypt: no content key: " + capture.messages());
  xmlSecBufferPtr raw = xmlSecKeyDataBinaryValueGetBuffer(xmlSecKeyGetValue(ctx->encKey));
  if (raw == nullptr || xmlSecBufferGetSize(raw) != key_bytes(content)) return unexpected(std::string("encrypt: bad content key"));
  Secret key{std::string(reinterpret_cast<const char*>(xmlSecBufferGetData(raw)), xmlSecBufferGetSize(raw))};
  if (plain.size() > 0x7fffffff) return unexpected(std::string("encrypt: assertion too large"));
  if (xmlSecEncCtxBinaryEncrypt(ctx.get(), data, reinterpret_cast<const xmlSecByte*>(plain.data()),
                                static_cast<xmlSecSize>(plain.size())) < 0) {
    return unexpected("encrypt: xmlsec failed: " + capture.messages());
  }
  return key;
}

// The decrypting side: the shape first, all of it, before any cryptography runs.

bool is_xenc(const xmlNode* node, std::string_view local) { return is_element(node, kNsXmlEnc, local); }

// xenc:CipherData holding exactly one xenc:CipherValue. @returns its bytes.
Result<std::string, std::string> cipher_value(const xmlNode* cipher_data, const std::string& where) {
  auto inner = child_elements(cipher_data);
  if (!inner.empty() && is_xenc(inner[0], "CipherReference")) return unexpected(where + ": a CipherReference is refused");
  if (inner.size() != 1 || !is_xenc(inner[0], "CipherValue")) return unexpected(where + ": CipherData is not one CipherValue");
  auto bytes = base64_decode(text(inner[0]));
  if (!bytes || bytes->empty()) return unexpected(where + ": CipherValue is not base64");
  return std::move(*bytes);
}

// The EncryptedKey's EncryptionMethod: rsa-oaep with a SHA-256 DigestMethod and, if said at all,
// MGF1-SHA1; or rsa-oaep-mgf1p with no DigestMethod or a SHA-1 one. No OAEPparams (a label).
Result<KeyTransport, std::string> check_transport(const xmlNode* method) {
  const std::string algorithm = attribute(method, "Algorithm").value_or("");
  const auto transport = transport_from(algorithm);
  if (!transport) return unexpected("decrypt: key transport refused: " + algorithm);
  const bool sha256 = *transport == KeyTransport::kRsaOaepSha256;
  bool digest = false;
  bool mgf = false;
  for (xmlNodePtr p : child_elements(method)) {
    const std::string value = attribute(p, "Algorithm").value_or("");
    if (is_element(p, kNsDsig, "DigestMethod") && !digest && child_elements(p).empty()) {
      digest = true;
      if (value != (sha256 ? kSha256 : kSha1)) return unexpected("decrypt: OAEP digest refused: " + value);
    } else if (sha256 && is_element(p, kNsXmlEnc11, "MGF") && !mgf && child_elements(p).empty()) {
      mgf = true;
      if (value != kMgf1Sha1) return unexpected("decrypt: OAEP mask generation refused: " + value);
    } else {
      return unexpected("decrypt: unexpected " + std::string(local_name(p)) + " in the key transport method");
    }
  }
  if (sha256 && !digest) return unexpected(std::string("decrypt: rsa-oaep without its SHA-256 DigestMethod"));
  return *transport;
}

struct Shape {
  xmlNodePtr data = nullptr;
  ContentEncryption content = ContentEncryption::kAes256Gcm;
  KeyTransport transport = KeyTransport::kRsaOaepSha256;
  std::string wrapped_key;
};

// xenc:EncryptedKey: EncryptionMethod, an optional ds:KeyInfo (ignored: the key is the caller's),
// CipherData; nothing else.
Result<void, std::string> check_encrypted_key(const xmlNode* key, Shape& shape) {
  auto parts = child_elements(key);
  std::size_t at = 1;
  if (parts.size() > 1 && is_element(parts[1], kNsDsig, "KeyInfo")) ++at;
  if (parts.empty() || !is_xenc(parts[0], "EncryptionMethod") || parts.size() != at + 1 || !is_xenc(parts[at], "CipherData")) {
    return unexpected(std::string("decrypt: EncryptedKey is not EncryptionMethod, an optional KeyInfo and CipherData"));
  }
  auto transport = check_transport(parts[0]);
  if (!transport) return unexpected(transport.error());
  auto value = cipher_value(parts[at], "decrypt: EncryptedKey");
  if (!value) return unexpected(value.error());
  shape.transport = *transport;
  shape.wrapped_key = std::move(*value);
  return {};
}

Result<Shape, std::string> check_shape(const xmlNode* encrypted_assertion) {
  if (!is_element(encrypted_assertion, kNsAssertion, "EncryptedAssertion")) return unexpected(std::string("decrypt: not a saml:EncryptedAssertion"));
  auto inner = child_elements(encrypted_assertion);
  if (inner.size() != 1 || !is_xenc(inner[0], "EncryptedData")) {
    return unexpected(std::string("decrypt: not exactly one EncryptedData (and nothing beside it)"));
  }
  Shape shape;
  shape.data = inner[0];
  if (attribute(shape.data, "Type") != kEncTypeElement) return unexpected(std::string("decrypt: EncryptedData is not of Type Element"));
  auto parts = child_elements(shape.data);
  if (parts.size() != 3 || !is_xenc(parts[0], "EncryptionMethod") || !is_element(parts[1], kNsDsig, "KeyInfo") ||
      !is_xenc(parts[2], "CipherData")) {
    return unexpected(std::string("decrypt: EncryptedData is not EncryptionMethod, KeyInfo and CipherData"));
  }
  const std::string algorithm = attribute(parts[0], "Algorithm").value_or("");
  const auto content = content_from(algorithm);
  if (!content || !child_elements(parts[0]).empty()) return unexpected("decrypt: content encryption refused: " + algorithm);
  shape.content = *content;
  auto keys = child_elements(parts[1]);
  if (keys.size() != 1 || !is_xenc(keys[0], "EncryptedKey")) return unexpected(std::string("decrypt: KeyInfo is not exactly one EncryptedKey"));
  if (auto key = check_encrypted_key(keys[0], shape); !key) return unexpected(key.error());
  if (auto value = cipher_value(parts[2], "decrypt: EncryptedData"); !value) return unexpected(value.error());
  return shape;
}

// The content, with xmlsec and the content key set directly. nullopt on any failure (a GCM tag
// that does not match, CBC padding that does not parse, a key of the wrong size).
std::optional<std::string> decrypt_content(xmlNodePtr data, const std::string& key, ContentEncryption content) {
  MessageCapture capture;  // xmlsec's reasons are dropped: they would tell which step failed
  EncCtxPtr ctx = content_context(content);
  if (!ctx || key.size() != key_bytes(content)) return std::nullopt;
  ctx->encKey = xmlSecKeyReadMemory(xmlSecKeyDataAesId, reinterpret_cast<const xmlSecByte*>(key.data()),
                                    static_cast<xmlSecSize>(key.size()));
  if (ctx->encKey == nullptr) return std::nullopt;
  xmlSecBufferPtr out = xmlSecEncCtxDecryptToBuffer(ctx.get(), data);
  if (out == nullptr) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(xmlSecBufferGetData(out)), xmlSecBufferGetSize(out));
}

std::string escape_attribute(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '"') out += "&quot;";
    else out += c;
  }
  return out;
}

// The plaintext, parsed with parse()'s rules inside a wrapper that declares the namespaces in
// scope at the EncryptedAssertion (an encrypter may have relied on them). Its size is bounded by
// the ciphertext's, itself bounded by the cap the document was parsed under.
Result<Document, std::string> parse_plaintext(xmlNodePtr encrypted_assertion, const std::string& plain) {
  std::string wrapped = "<w";
  for (xmlNsPtr ns : namespaces_in_scope(encrypted_assertion)) {
    wrapped += ns->prefix == nullptr ? std::string(" xmlns") : " xmlns:" + std::string(view(ns->prefix));
    wrapped += "=\"" + escape_attribute(view(ns->href)) + "\"";
  }
  wrapped += ">" + plain + "</w>";
  return parse(wrapped, wrapped.size());
}

// The one saml:Assertion the plaintext must be (whitespace around it is fine, nothing else).
Result<xmlNodePtr, std::string> only_assertion(const Document& plain) {
  xmlNodePtr found = nullptr;
  for (xmlNodePtr c = plain.root()->children; c != nullptr; c = c->next) {
    if (c->type == XML_TEXT_NODE && xmlIsBlankNode(c) != 0) continue;
    if (found != nullptr || !is_element(c, kNsAssertion, "Assertion")) {
      return unexpected(std::string("decrypt: the plaintext is not exactly one saml:Assertion"));
    }
    found = c;
  }
  if (found == nullptr) return unexpected(std::string("decrypt: the plaintext holds no saml:Assertion"));
  return found;
}

}  // namespace

std::string_view algorithm_uri(ContentEncryption content) {
  switch (content) {
    case ContentEncryption::kAes128Gcm: return kAes128Gcm;
    case ContentEncryption::kAes256Cbc: return kAes256Cbc;
    case ContentEncryption::kAes256Gcm: break;
  }
  return kAes256Gcm;
}

std::string_view algorithm_uri(KeyTransport transport) {
  return transport == KeyTransport::kRsaOaepSha256 ? kRsaOaep : kRsaOaepMgf1p;
}

Result<EncryptionOptions, std::string> choose_encryption(const std::vector<std::string>& method_uris) {
  bool lists_content = false;
  bool lists_transport = false;
  std::optional<ContentEncryption> content;
  std::optional<KeyTransport> transport;
  for (const std::string& uri : method_uris) {
    const auto c = content_from(uri);
    const auto t = transport_from(uri);
    // Unknown URIs may be either kind; the ones we know say which list the SP filled.
    lists_content = lists_content || c.has_value() || uri.find("-cbc") != std::string::npos || uri.find("-gcm") != std::string::npos;
    lists_transport = lists_transport || t.has_value() || uri.find("rsa-") != std::string::npos || uri.find("kw-") != std::string::npos;
    if (c && (!content || static_cast<int>(*c) < static_cast<int>(*content))) content = c;  // enum order = preference
    if (t && (!transport || static_cast<int>(*t) < static_cast<int>(*transport))) transport = t;
  }
  if (lists_content && !content) return unexpected(std::string("encrypt: the SP offers no content encryption we support"));
  if (lists_transport && !transport) return unexpected(std::string("encrypt: the SP offers no key transport we support"));
  EncryptionOptions options;
  options.content = content.value_or(ContentEncryption::kAes256Gcm);
  options.key_transport = transport.value_or(KeyTransport::kRsaOaepMgf1p);
  return options;
}

Result<xmlNodePtr, std::string> encrypt_assertion(Document& doc, xmlNodePtr assertion, const TrustedKey& sp_key,
                                                  const EncryptionOptions& options) {
  if (auto init = detail::ensure_xmlsec(); !init) return unexpected(init.error());
  if (!is_element(assertion, kNsAssertion, "Assertion") || assertion->doc != doc.get()) {
    return unexpected(std::string("encrypt: not a saml:Assertion of this document"));
  }
  if (sp_key.type() != KeyType::kRsa) return unexpected(std::string("encrypt: the SP's encryption key is not RSA"));
  if (options.include_certificate && sp_key.certificate_der().empty()) {
    return unexpected(std::string("encrypt: the SP's key came without a certificate"));
  }
  auto plain = standalone_bytes(assertion);
  if (!plain) return unexpected(plain.error());
  NodePtr outer(encrypted_assertion_template(doc, assertion->parent, options.content));
  if (!outer) return unexpected(std::string("encrypt: out of memory"));
  xmlNodePtr data = first_child(outer.get(), kNsXmlEnc, "EncryptedData");
  auto key = encrypt_content(data, *plain, options.content);
  OPENSSL_cleanse(plain->data(), plain->size());
  if (!key) return unexpected(key.error());
  if (auto added = add_encrypted_key(data, key->bytes, sp_key, options); !added) return unexpected(added.error());
  xmlReplaceNode(assertion, outer.get());
  xmlFreeNode(assertion);
  return outer.release();
}

Result<xmlNodePtr, std::string> decrypt_assertion(Document& doc, xmlNodePtr encrypted_assertion,
                                                  std::string_view private_pkcs8_der) {
  if (auto init = detail::ensure_xmlsec(); !init) return unexpected(init.error());
  if (encrypted_assertion == nullptr || encrypted_assertion->doc != doc.get()) {
    return unexpected(std::string("decrypt: not an element of this document"));
  }
  auto shape = check_shape(encrypted_assertion);
  if (!shape) return unexpected(shape.error());
  auto key = SigningKey::from_pkcs8(private_pkcs8_der);
  if (!key) return unexpected("decrypt: " + key.error());
  if (key->type() != KeyType::kRsa) return unexpected(std::string("decrypt: the private key is not RSA"));
  auto content_key = rsa_oaep(key->native(), shape->transport, shape->wrapped_key, false);
  if (!content_key) return unexpected(std::string(kNoDecrypt));
  const Secret secret{std::move(*content_key)};
  auto plain = decrypt_content(shape->data, secret.bytes, shape->content);
  if (!plain) return unexpected(std::string(kNoDecrypt));
  auto parsed = parse_plaintext(encrypted_assertion, *plain);
  if (!parsed) return unexpected("decrypt: the plaintext: " + parsed.error());
  auto assertion = only_assertion(*parsed);
  if (!assertion) return unexpected(assertion.error());
  xmlNodePtr copy = xmlDocCopyNode(*assertion, doc.get(), 1);
  if (copy == nullptr) return unexpected(std::string("decrypt: out of memory"));
  xmlReplaceNode(encrypted_assertion, copy);
  xmlFreeNode(encrypted_assertion);
  return copy;
}

}  // namespace gatehouse::saml
