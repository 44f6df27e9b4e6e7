#pragma once
// Parsing untrusted XML for SAML (issue 14), on libxml2 with a strict layer on top: no DTD of any
// kind (so no entities, internal or external), no network or file access, UTF-8 only, no
// processing instructions, no XInclude elements, and caps on size, depth and node count. Plus the
// navigation helpers the SAML code uses, the ID registration XML Signature depends on, and
// serialisation for sending.
//
// Thread safety: every function may be called from many threads at once on different Documents.
// A Document is not synchronised: one thread at a time per Document.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <libxml/tree.h>

#include "core/result.hpp"

namespace gatehouse::saml {

/// Namespaces the SAML code names often.
inline constexpr std::string_view kNsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion";
inline constexpr std::string_view kNsProtocol = "urn:oasis:names:tc:SAML:2.0:protocol";
inline constexpr std::string_view kNsMetadata = "urn:oasis:names:tc:SAML:2.0:metadata";
inline constexpr std::string_view kNsDsig = "http://www.w3.org/2000/09/xmldsig#";

/// Caps applied to every parse besides the caller's byte cap.
inline constexpr int kMaxDepth = 64;              // SAML messages nest about 10 deep
inline constexpr std::size_t kMaxNodes = 100000;  // elements, attributes and text nodes together

/// Owns one libxml2 document (xmlDocPtr). Move-only; the nodes handed out by the helpers below
/// belong to it and live as long as it does.
class Document {
 public:
  Document() = default;
  explicit Document(xmlDocPtr doc) : doc_(doc) {}
  Document(Document&& other) noexcept : doc_(other.doc_) { other.doc_ = nullptr; }
  Document& operator=(Document&& other) noexcept;
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;
  ~Document();

  xmlDocPtr get() const { return doc_; }
  /// The root element; nullptr for an empty Document.
  xmlNodePtr root() const;

 private:
  xmlDocPtr doc_ = nullptr;
};

/// Parses untrusted bytes. Refused (with a short reason, for logs) before parsing: more than
/// max_bytes, "<!DOCTYPE" or "<!ENTITY" anywhere in the bytes, a UTF-16/UTF-32 byte order mark or
/// layout, an XML declaration naming an encoding other than UTF-8. Refused after parsing: any DTD
/// (internal or external subset), a processing instruction, an XInclude element, an element deeper
/// than kMaxDepth, more than kMaxNodes nodes, or a document that is not well-formed UTF-8 XML.
/// Never reads a file or the network; libxml2's messages never reach stderr.
Result<Document, std::string> parse(std::string_view bytes, std::size_t max_bytes);

/// Whether `node` is an element named `local` in namespace `ns`.
bool is_element(const xmlNode* node, std::string_view ns, std::string_view local);
/// The first child element of `parent` named (ns, local); nullptr when there is none.
xmlNodePtr first_child(const xmlNode* parent, std::string_view ns, std::string_view local);
/// Every child element of `parent` named (ns, local), in document order.
std::vector<xmlNodePtr> children(const xmlNode* parent, std::string_view ns, std::string_view local);
/// Every child element of `parent`, whatever its name.
std::vector<xmlNodePtr> child_elements(const xmlNode* parent);
/// The only child element named (ns, local). @returns an error naming the element when there is
/// none or more than one (a second one is how signature wrapping hides; never pick the first).
Result<xmlNodePtr, std::string> exactly_one_child(const xmlNode* parent, std::string_view ns,
                                                  std::string_view local);
/// Like exactly_one_child, but none is fine (nullptr); two or more is an error.
Result<xmlNodePtr, std::string> at_most_one_child(const xmlNode* parent, std::string_view ns,
                                                  std::string_view local);
/// The value of the attribute `name` without a namespace (SAML's own attributes have none);
/// nullopt when absent.
std::optional<std::string> attribute(const xmlNode* element, std::string_view name);
/// The concatenated text content of `node` and its descendants.
std::string text(const xmlNode* node);
/// The namespace URI of an element ("" when it has none).
std::string_view namespace_of(const xmlNode* element);
/// The local name of an element or attribute.
std::string_view local_name(const xmlNode* node);

/// Registers the element's `ID` attribute as an ID of the document (xmlAddID, no DTD needed), so
/// that a same-document reference "#value" resolves to this element and nothing else.
/// @returns an error when the element has no ID, the value is not an NCName (an ID like
/// "xpointer(...)" would turn "#ID" into an expression), another element anywhere in the
/// document carries an ID attribute with the same value, or the value is already registered
/// for another element. Registering the same element twice is fine.
Result<void, std::string> register_id(Document& doc, xmlNodePtr element);

/// The whole document as UTF-8 text, with the XML declaration when `declaration` is true.
/// @returns an empty string only for an empty Document.
std::string serialize(const Document& doc, bool declaration = false);
/// One element and its subtree as text. Namespace declarations inherited from ancestors are
/// not repeated, so this is for logs and tests, not for re-parsing a fragment.
std::string serialize(const Document& doc, const xmlNode* element);

}  // namespace gatehouse::saml
