#include "saml/dsig.hpp"

#include <array>
#include <mutex>

#include <openssl/evp.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/io.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

#include "jose/openssl/crypto.hpp"
#include "saml/encoding.hpp"
#include "saml/libxml_support.hpp"
#include "saml/protocol.hpp"
#include "saml/redirect_signature.hpp"

namespace gatehouse::saml {
namespace {

using detail::MessageCapture;

constexpr std::string_view kNsExcC14n = "http://www.w3.org/2001/10/xml-exc-c14n#";
constexpr std::size_t kCertificateLine = 64;

const xmlChar* xml_chars(const char* s) { return reinterpret_cast<const xmlChar*>(s); }
std::string_view view(const xmlChar* s) {
  return s == nullptr ? std::string_view{} : std::string_view(reinterpret_cast<const char*>(s));
}

// xmlsec reports through one process-wide callback; each message goes to the capture active on
// the calling thread (if any), never to stderr.
void on_xmlsec_error(const char* /*file*/, int /*line*/, const char* func, const char* /*object*/,
                     const char* /*subject*/, int /*reason*/, const char* message) {
  if (MessageCapture* capture = MessageCapture::current(); capture != nullptr) {
    std::string text = func != nullptr ? func : "xmlsec";
    if (message != nullptr) (text += ": ") += message;
    capture->add(text);
  }
}

}  // namespace

namespace detail {

// xmlsec, its OpenSSL backend and libxml2, once per process. xmlsec's own I/O callbacks (file,
// HTTP, FTP for external references) are removed: only same-document references are ever
// allowed, and this makes the rest impossible rather than merely refused.
Result<void, std::string> ensure_xmlsec() {
  static std::once_flag once;
  static std::string failure;
  std::call_once(once, [] {
    detail::ensure_libxml();
    xmlSecErrorsSetCallback(&on_xmlsec_error);
    if (xmlSecInit() < 0) { failure = "xmlsec: xmlSecInit failed"; return; }
    if (xmlSecCheckVersion() != 1) { failure = "xmlsec: the library and headers differ"; return; }
    if (xmlSecCryptoAppInit(nullptr) < 0 || xmlSecCryptoInit() < 0) { failure = "xmlsec: OpenSSL backend failed"; return; }
    xmlSecIOCleanupCallbacks();
    xmlSecErrorsSetCallback(&on_xmlsec_error);
  });
  if (!failure.empty()) return unexpected(failure);
  return {};
}

}  // namespace detail

namespace {

using detail::ensure_xmlsec;

// An xmlsec key over the given OpenSSL key (shared: one more reference, released with the key).
struct XmlSecKeyFree {
  void operator()(xmlSecKeyPtr k) const noexcept { xmlSecKeyDestroy(k); }
};
using XmlSecKeyPtr = std::unique_ptr<xmlSecKey, XmlSecKeyFree>;

XmlSecKeyPtr make_key(EVP_PKEY* pkey) {
  if (EVP_PKEY_up_ref(pkey) != 1) return nullptr;
  xmlSecKeyDataPtr data = xmlSecOpenSSLEvpKeyAdopt(pkey);
  if (data == nullptr) { EVP_PKEY_free(pkey); return nullptr; }
  XmlSecKeyPtr key(xmlSecKeyCreate());
  if (!key || xmlSecKeySetValue(key.get(), data) < 0) { xmlSecKeyDataDestroy(data); return nullptr; }
  return key;
}

struct DSigCtxFree {
  void operator()(xmlSecDSigCtxPtr c) const noexcept { xmlSecDSigCtxDestroy(c); }
};
using DSigCtxPtr = std::unique_ptr<xmlSecDSigCtx, DSigCtxFree>;

bool is_ds(const xmlNode* node, std::string_view local) { return is_element(node, kNsDsig, local); }

std::string algorithm_of(const xmlNode* node) { return attribute(node, "Algorithm").value_or(""); }

// exc-c14n, with nothing inside but an optional ec:InclusiveNamespaces (a PrefixList).
Result<void, std::string> check_exc_c14n(const xmlNode* node, std::string_view where) {
  if (algorithm_of(node) != kExcC14n) return unexpected(std::string(where) + " is not exclusive c14n without comments: " + algorithm_of(node));
  auto inner = child_elements(node);
  if (inner.size() > 1 || (inner.size() == 1 && !is_element(inner[0], kNsExcC14n, "InclusiveNamespaces"))) {
    return unexpected(std::string(where) + " has unexpected content");
  }
  return {};
}

Result<void, std::string> check_reference(const xmlNode* reference, std::string_view expected_uri) {
  const auto uri = attribute(reference, "URI");
  if (!uri || uri->empty()) return unexpected(std::string("signature: the Reference has no URI (the whole document) "));
  if (*uri != expected_uri) return unexpected("signature: the Reference points at " + *uri + ", not at the element");
  auto parts = child_elements(reference);
  if (parts.size() != 3 || !is_ds(parts[0], "Transforms") || !is_ds(parts[1], "DigestMethod") ||
      !is_ds(parts[2], "DigestValue")) {
    return unexpected(std::string("signature: the Reference is not Transforms, DigestMethod, DigestValue"));
  }
  auto transforms = child_elements(parts[0]);
  if (transforms.size() != 2 || !is_ds(transforms[0], "Transform") || !is_ds(transforms[1], "Transform")) {
    return unexpected(std::string("signature: not exactly two transforms"));
  }
  if (algorithm_of(transforms[0]) != kEnveloped || !child_elements(transforms[0]).empty()) {
    return unexpected("signature: first transform is not enveloped-signature: " + algorithm_of(transforms[0]));
  }
  if (auto c14n = check_exc_c14n(transforms[1], "signature: the second transform"); !c14n) return c14n;
  const std::string digest = algorithm_of(parts[1]);
  if ((digest != kSha256 && digest != kSha512) || !child_elements(parts[1]).empty()) {
    return unexpected("signature: digest method refused: " + digest);
  }
  return {};
}

// The whole shape of the Signature, before xmlsec sees it. @returns the SignatureMethod URI.
Result<std::string, std::string> check_shape(const xmlNode* signature, std::string_view expected_uri) {
  auto parts = child_elements(signature);
  if (parts.size() < 2 || parts.size() > 3 || !is_ds(parts[0], "SignedInfo") || !is_ds(parts[1], "SignatureValue") ||
      (parts.size() == 3 && !is_ds(parts[2], "KeyInfo"))) {
    return unexpected(std::string("signature: not SignedInfo, SignatureValue and an optional KeyInfo"));
  }
  auto info = child_elements(parts[0]);
  if (info.size() != 3 || !is_ds(info[0], "CanonicalizationMethod") || !is_ds(info[1], "SignatureMethod")) {
    return unexpected(std::string("signature: SignedInfo is not CanonicalizationMethod, SignatureMethod and one Reference"));
  }
  if (!is_ds(info[2], "Reference")) return unexpected(std::string("signature: SignedInfo does not hold exactly one Reference"));
  if (auto c14n = check_exc_c14n(info[0], "signature: CanonicalizationMethod"); !c14n) return unexpected(c14n.error());
  const std::string method = algorithm_of(info[1]);
  if (!signature_algorithm_key_type(method) || !child_elements(info[1]).empty()) {
    return unexpected("signature: signature method refused: " + method);
  }
  if (auto ref = check_reference(info[2], expected_uri); !ref) return unexpected(ref.error());
  return method;
}

// The allow-lists xmlsec enforces itself: same-document references only, and only the
// transforms and algorithms above (digest and signature methods count as transforms to xmlsec).
Result<void, std::string> restrict_context(xmlSecDSigCtxPtr ctx) {
  ctx->flags = XMLSEC_DSIG_FLAGS_STORE_SIGNEDINFO_REFERENCES | XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS;
  ctx->enabledReferenceUris = xmlSecTransformUriTypeSameDocument;
  const std::array<xmlSecTransformId, 4> reference = {xmlSecTransformEnvelopedId, xmlSecTransformExclC14NId,
                                                      xmlSecTransformSha256Id, xmlSecTransformSha512Id};
  const std::array<xmlSecTransformId, 5> signature = {xmlSecTransformExclC14NId, xmlSecTransformRsaSha256Id,
                                                      xmlSecTransformRsaSha512Id, xmlSecTransformEcdsaSha256Id,
                                                      xmlSecTransformEcdsaSha512Id};
  for (auto id : reference) {
    if (xmlSecDSigCtxEnableReferenceTransform(ctx, id) < 0) return unexpected(std::string("xmlsec: allow-list failed"));
  }
  for (auto id : signature) {
    if (xmlSecDSigCtxEnableSignatureTransform(ctx, id) < 0) return unexpected(std::string("xmlsec: allow-list failed"));
  }
  return {};
}

// After xmlsec said yes: one reference, verified, to "#ID", and the ID still names `element`.
Result<void, std::string> check_outcome(xmlSecDSigCtxPtr ctx, xmlDocPtr doc, xmlNodePtr element, const std::string& id) {
  if (xmlSecPtrListGetSize(&ctx->signedInfoReferences) != 1) return unexpected(std::string("signature: not exactly one reference"));
  auto* ref = static_cast<xmlSecDSigReferenceCtxPtr>(xmlSecPtrListGetItem(&ctx->signedInfoReferences, 0));
  if (ref == nullptr || ref->status != xmlSecDSigStatusSucceeded) return unexpected(std::string("signature: the reference did not verify"));
  if (view(ref->uri) != "#" + id) return unexpected(std::string("signature: the verified reference is not to the element"));
  xmlAttrPtr target = xmlGetID(doc, xml_chars(id.c_str()));
  if (target == nullptr || target->parent != element) return unexpected(std::string("signature: the ID no longer names the element"));
  return {};
}

enum class Attempt { kVerified, kInvalid };

Result<Attempt, std::string> verify_with(const TrustedKey& key, xmlDocPtr doc, xmlNodePtr element, xmlNodePtr signature,
                                         const std::string& id) {
  DSigCtxPtr ctx(xmlSecDSigCtxCreate(nullptr));  // no keys manager: KeyInfo can never yield a key
  if (!ctx) return unexpected(std::string("xmlsec: out of memory"));
  if (auto r = restrict_context(ctx.get()); !r) return unexpected(r.error());
  ctx->signKey = make_key(key.native()).release();  // owned by ctx from here
  if (ctx->signKey == nullptr) return unexpected(std::string("xmlsec: the key could not be loaded"));
  if (xmlSecDSigCtxVerify(ctx.get(), signature) < 0) return unexpected(std::string("signature: xmlsec refused it"));
  if (ctx->status != xmlSecDSigStatusSucceeded) return Attempt::kInvalid;
  if (auto r = check_outcome(ctx.get(), doc, element, id); !r) return unexpected(r.error());
  return Attempt::kVerified;
}

}  // namespace

std::optional<KeyType> signature_algorithm_key_type(std::string_view uri) {
  if (uri == kRsaSha256 || uri == kRsaSha512) return KeyType::kRsa;
  if (uri == kEcdsaSha256 || uri == kEcdsaSha512) return KeyType::kEc;
  return std::nullopt;
}

std::string_view signature_algorithm_of(const SigningKey& key) {
  return key.type() == KeyType::kRsa ? kRsaSha256 : kEcdsaSha256;
}

Result<void, std::string> verify_enveloped(Document& doc, xmlNodePtr element, const std::vector<TrustedKey>& keys) {
  if (auto init = ensure_xmlsec(); !init) return init;
  if (keys.empty()) return unexpected(std::string("signature: no trusted key"));
  auto signature = exactly_one_child(element, kNsDsig, "Signature");
  if (!signature) return unexpected("signature: " + signature.error());
  if (auto registered = register_id(doc, element); !registered) return unexpected("signature: " + registered.error());
  const std::string id = *attribute(element, "ID");
  auto method = check_shape(*signature, "#" + id);
  if (!method) return unexpected(method.error());
  const KeyType needed = *signature_algorithm_key_type(*method);
  MessageCapture capture;
  bool tried = false;
  std::string last_failure = "signature: does not verify with any trusted key";
  for (const TrustedKey& key : keys) {
    if (key.type() != needed) continue;
    tried = true;
    auto attempt = verify_with(key, doc.get(), element, *signature, id);
    if (attempt && *attempt == Attempt::kVerified) return {};
    if (!attempt) last_failure = attempt.error();
  }
  if (!tried) return unexpected("signature: no trusted key of the type " + *method + " needs");
  if (!capture.messages().empty() && last_failure == "signature: xmlsec refused it") last_failure += " (" + capture.messages() + ")";
  return unexpected(last_failure);
}

namespace {

// ds:KeyInfo/ds:X509Data/ds:X509Certificate, written by us (KeyInfo is not signed, and this
// keeps xmlsec's key-data machinery out of signing).
void add_key_info(xmlNodePtr signature, const std::string& certificate_der) {
  xmlNodePtr info = xmlNewChild(signature, signature->ns, xml_chars("KeyInfo"), nullptr);
  xmlNodePtr data = xmlNewChild(info, signature->ns, xml_chars("X509Data"), nullptr);
  const std::string text = base64_encode(certificate_der, kCertificateLine);
  xmlNewTextChild(data, signature->ns, xml_chars("X509Certificate"), xml_chars(text.c_str()));
}

void place_signature(xmlNodePtr element, xmlNodePtr signature) {
  if (xmlNodePtr issuer = first_child(element, kNsAssertion, "Issuer"); issuer != nullptr) {
    xmlAddNextSibling(issuer, signature);
  } else if (element->children != nullptr) {
    xmlAddPrevSibling(element->children, signature);
  } else {
    xmlAddChild(element, signature);
  }
}

}  // namespace

Result<void, std::string> sign_enveloped(Document& doc, xmlNodePtr element, const SigningKey& key) {
  if (auto init = ensure_xmlsec(); !init) return init;
  if (first_child(element, kNsDsig, "Signature") != nullptr) return unexpected(std::string("sign: the element is already signed"));
  if (auto registered = register_id(doc, element); !registered) return unexpected("sign: " + registered.error());
  const std::string uri = "#" + *attribute(element, "ID");
  const xmlSecTransformId method = key.type() == KeyType::kRsa ? xmlSecTransformRsaSha256Id : xmlSecTransformEcdsaSha256Id;
  xmlNodePtr signature = xmlSecTmplSignatureCreateNsPref(doc.get(), xmlSecTransformExclC14NId, method, nullptr, xml_chars("ds"));
  if (signature == nullptr) return unexpected(std::string("sign: xmlsec could not build the template"));
  place_signature(element, signature);
  auto fail = [&](std::string reason) -> Result<void, std::string> {
    xmlUnlinkNode(signature);
    xmlFreeNode(signature);
    return unexpected(std::move(reason));
  };
  xmlNodePtr reference = xmlSecTmplSignatureAddReference(signature, xmlSecTransformSha256Id, nullptr, xml_chars(uri.c_str()), nullptr);
  if (reference == nullptr || xmlSecTmplReferenceAddTransform(reference, xmlSecTransformEnvelopedId) == nullptr ||
      xmlSecTmplReferenceAddTransform(reference, xmlSecTransformExclC14NId) == nullptr) {
    return fail("sign: xmlsec could not build the reference");
  }
  MessageCapture capture;
  DSigCtxPtr ctx(xmlSecDSigCtxCreate(nullptr));
  if (!ctx) return fail("sign: out of memory");
  ctx->enabledReferenceUris = xmlSecTransformUriTypeSameDocument;
  ctx->signKey = make_key(key.native()).release();
  if (ctx->signKey == nullptr) return fail("sign: the key could not be loaded");
  if (xmlSecDSigCtxSign(ctx.get(), signature) < 0 || ctx->status != xmlSecDSigStatusSucceeded) {
    return fail("sign: xmlsec failed: " + capture.messages());
  }
  if (!key.certificate_der().empty()) add_key_info(signature, key.certificate_der());
  return {};
}

Result<std::string, std::string> sign_canonical(std::string_view head, std::string_view tail, std::string_view id,
                                                const SigningKey& key) {
  if (!is_ncname(id)) return unexpected(std::string("sign: the element has no usable ID"));
  // The Reference's digest: the element without its Signature (enveloped-signature), already in
  // exclusive canonical form as written.
  std::string digest_input;
  digest_input.reserve(head.size() + tail.size());
  digest_input.append(head).append(tail);
  const std::string ds_ns(kNsDsig);
  // SignedInfo as exc-c14n writes it alone: the ds namespace declared on it, every element with
  // its end tag. In the document it inherits the namespace from ds:Signature instead.
  std::string signed_info = "<ds:SignedInfo><ds:CanonicalizationMethod Algorithm=\"" + std::string(kExcC14n) +
                            "\"></ds:CanonicalizationMethod><ds:SignatureMethod Algorithm=\"" +
                            std::string(signature_algorithm_of(key)) + "\"></ds:SignatureMethod><ds:Reference URI=\"#" +
                            std::string(id) + "\"><ds:Transforms><ds:Transform Algorithm=\"" + std::string(kEnveloped) +
                            "\"></ds:Transform><ds:Transform Algorithm=\"" + std::string(kExcC14n) +
                            "\"></ds:Transform></ds:Transforms><ds:DigestMethod Algorithm=\"" + std::string(kSha256) +
                            "\"></ds:DigestMethod><ds:DigestValue>" + base64_encode(jose::sha256(digest_input)) +
                            "</ds:DigestValue></ds:Reference></ds:SignedInfo>";
  std::string canonical_signed_info = signed_info;
  canonical_signed_info.insert(std::string_view("<ds:SignedInfo").size(), " xmlns:ds=\"" + ds_ns + "\"");
  auto value = signature_value(canonical_signed_info, key);
  if (!value) return unexpected("sign: " + value.error());
  std::string out;
  out.reserve(head.size() + tail.size() + signed_info.size() + 2 * key.certificate_der().size() + 600);
  out.append(head);
  out += "<ds:Signature xmlns:ds=\"" + ds_ns + "\">" + signed_info + "<ds:SignatureValue>" + base64_encode(*value) +
         "</ds:SignatureValue>";
  if (!key.certificate_der().empty())
    out += "<ds:KeyInfo><ds:X509Data><ds:X509Certificate>" + base64_encode(key.certificate_der(), kCertificateLine) +
           "</ds:X509Certificate></ds:X509Data></ds:KeyInfo>";
  out += "</ds:Signature>";
  out.append(tail);
  return out;
}

}  // namespace gatehouse::saml
