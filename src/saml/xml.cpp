#include "saml/xml.hpp"

#include <algorithm>
#include <climits>
#include <cstring>
#include <mutex>
#include <utility>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/valid.h>
#include <libxml/xmlsave.h>

#include "saml/libxml_support.hpp"

namespace gatehouse::saml {
namespace detail {
namespace {

thread_local MessageCapture* t_capture = nullptr;
constexpr std::size_t kMaxKeptMessages = 4;

// Every external entity, DTD or XInclude target libxml2 (or a library over it) would load ends
// here: nothing is loaded.
xmlParserInputPtr refuse_external_entity(const char* /*url*/, const char* /*id*/, xmlParserCtxtPtr /*ctxt*/) {
  return nullptr;
}

void on_structured_error(void* /*context*/, xmlErrorPtr error) {
  if (t_capture != nullptr && error != nullptr && error->message != nullptr) t_capture->add(error->message);
}

void on_generic_error(void* /*context*/, const char* /*format*/, ...) {}

}  // namespace

void ensure_libxml() {
  static std::once_flag once;
  std::call_once(once, [] {
    xmlInitParser();
    xmlSetExternalEntityLoader(&refuse_external_entity);
    // Threads created from now on start with silent handlers; MessageCapture sets them on the
    // threads that already exist, per call.
    xmlThrDefSetGenericErrorFunc(nullptr, &on_generic_error);
    xmlThrDefSetStructuredErrorFunc(nullptr, &on_structured_error);
  });
}

MessageCapture::MessageCapture() : previous_(t_capture) {
  previous_structured_ = xmlStructuredError;
  previous_structured_context_ = xmlStructuredErrorContext;
  xmlSetStructuredErrorFunc(nullptr, &on_structured_error);
  xmlSetGenericErrorFunc(nullptr, &on_generic_error);
  t_capture = this;
}

MessageCapture::~MessageCapture() {
  t_capture = previous_;
  xmlSetStructuredErrorFunc(previous_structured_context_, previous_structured_);
}

void MessageCapture::add(std::string_view message) {
  if (std::count(messages_.begin(), messages_.end(), ';') >= static_cast<long>(kMaxKeptMessages)) return;
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.remove_suffix(1);
  if (!messages_.empty()) messages_ += "; ";
  messages_ += message;
}

MessageCapture* MessageCapture::current() { return t_capture; }

}  // namespace detail

namespace {

using detail::MessageCapture;

const xmlChar* xml_chars(const char* s) { return reinterpret_cast<const xmlChar*>(s); }
std::string_view view(const xmlChar* s) {
  return s == nullptr ? std::string_view{} : std::string_view(reinterpret_cast<const char*>(s));
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

// The checks on the raw bytes, before libxml2 sees them. A DTD is refused by name because
// libxml2 would otherwise parse it (and expand entities in attribute defaults) before any
// post-parse check could run.
std::optional<std::string> check_raw(std::string_view bytes) {
  if (bytes.find('\0') != std::string_view::npos) return "a NUL byte (UTF-16 or UTF-32 text is refused)";
  if (bytes.size() >= 2 && ((bytes[0] == '\xFE' && bytes[1] == '\xFF') || (bytes[0] == '\xFF' && bytes[1] == '\xFE'))) {
    return "a UTF-16 byte order mark (only UTF-8 is accepted)";
  }
  if (bytes.find("<!DOCTYPE") != std::string_view::npos) return "a DOCTYPE (DTDs are refused)";
  if (bytes.find("<!ENTITY") != std::string_view::npos) return "an ENTITY declaration (DTDs are refused)";
  if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
  if (!bytes.starts_with("<?xml")) return std::nullopt;
  const auto end = bytes.find("?>");
  if (end == std::string_view::npos) return "an unterminated XML declaration";
  const std::string_view decl = bytes.substr(0, end);
  const auto at = decl.find("encoding");
  if (at == std::string_view::npos) return std::nullopt;
  const auto open = decl.find_first_of("\"'", at);
  if (open == std::string_view::npos) return "a malformed encoding declaration";
  const auto close = decl.find(decl[open], open + 1);
  if (close == std::string_view::npos) return "a malformed encoding declaration";
  if (!iequals(decl.substr(open + 1, close - open - 1), "UTF-8")) return "an encoding other than UTF-8";
  return std::nullopt;
}

bool is_xinclude(const xmlNode* node) {
  if (node->ns == nullptr) return false;
  const std::string_view ns = view(node->ns->href);
  return ns == "http://www.w3.org/2001/XInclude" || ns == "http://www.w3.org/2003/XInclude";
}

// Walks the whole tree without recursion: the depth and node caps, no processing instruction,
// no XInclude element, no entity reference (none can exist without a DTD; belt and braces).
std::optional<std::string> check_tree(xmlDocPtr doc) {
  if (doc->intSubset != nullptr || doc->extSubset != nullptr) return "a DTD (refused)";
  std::size_t nodes = 0;
  int depth = 0;
  xmlNodePtr node = doc->children;
  while (node != nullptr) {
    if (++nodes > kMaxNodes) return "more than " + std::to_string(kMaxNodes) + " nodes";
    switch (node->type) {
      case XML_PI_NODE: return "a processing instruction (refused)";
      case XML_DTD_NODE: case XML_ENTITY_REF_NODE: case XML_ENTITY_DECL: return "a DTD or entity (refused)";
      case XML_XINCLUDE_START: case XML_XINCLUDE_END: return "an XInclude (refused)";
      case XML_ELEMENT_NODE:
        if (is_xinclude(node)) return "an XInclude element (refused)";
        for (xmlAttrPtr a = node->properties; a != nullptr; a = a->next) {
          if (++nodes > kMaxNodes) return "more than " + std::to_string(kMaxNodes) + " nodes";
        }
        break;
      default: break;
    }
    if (node->type == XML_ELEMENT_NODE && node->children != nullptr) {
      if (++depth > kMaxDepth) return "elements nested deeper than " + std::to_string(kMaxDepth);
      node = node->children;
      continue;
    }
    while (node != nullptr && node->next == nullptr) {
      node = node->parent;
      if (node == nullptr || node->type == XML_DOCUMENT_NODE) return std::nullopt;
      --depth;
    }
    if (node != nullptr) node = node->next;
  }
  return std::nullopt;
}

struct ParserCtxtFree {
  void operator()(xmlParserCtxtPtr p) const noexcept { xmlFreeParserCtxt(p); }
};

// The count of elements in the document carrying an unqualified ID attribute equal to `value`.
std::size_t count_id(xmlNodePtr node, std::string_view value) {
  std::size_t count = 0;
  for (; node != nullptr; node = node->next) {
    if (node->type != XML_ELEMENT_NODE) continue;
    xmlAttrPtr id = xmlHasNsProp(node, xml_chars("ID"), nullptr);
    if (id != nullptr && id->ns == nullptr) {
      xmlChar* v = xmlNodeGetContent(reinterpret_cast<xmlNodePtr>(id));
      if (v != nullptr && view(v) == value) ++count;
      xmlFree(v);
    }
    count += count_id(node->children, value);  // bounded by kMaxDepth
  }
  return count;
}

}  // namespace

Document& Document::operator=(Document&& other) noexcept {
  if (this != &other) {
    if (doc_ != nullptr) xmlFreeDoc(doc_);
    doc_ = std::exchange(other.doc_, nullptr);
  }
  return *this;
}

Document::~Document() {
  if (doc_ != nullptr) xmlFreeDoc(doc_);
}

xmlNodePtr Document::root() const { return doc_ == nullptr ? nullptr : xmlDocGetRootElement(doc_); }

Result<Document, std::string> parse(std::string_view bytes, std::size_t max_bytes) {
  if (bytes.size() > max_bytes) return unexpected("XML refused: over " + std::to_string(max_bytes) + " bytes");
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) return unexpected(std::string("XML refused: too large"));
  if (auto bad = check_raw(bytes)) return unexpected("XML refused: " + *bad);
  detail::ensure_libxml();
  MessageCapture capture;
  std::unique_ptr<xmlParserCtxt, ParserCtxtFree> ctxt(xmlNewParserCtxt());
  if (!ctxt) return unexpected(std::string("XML refused: out of memory"));
  // NONET: no network; no NOENT (entities are never substituted), no DTDLOAD/DTDATTR/DTDVALID,
  // no XINCLUDE, no HUGE (libxml2's own limits on text and names stay on).
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
  Document doc(xmlCtxtReadMemory(ctxt.get(), bytes.data(), static_cast<int>(bytes.size()), nullptr, "UTF-8", options));
  if (doc.get() == nullptr || !ctxt->wellFormed) {
    std::string reason = capture.messages();
    if (reason.empty() && ctxt->lastError.message != nullptr) reason = ctxt->lastError.message;
    while (!reason.empty() && reason.back() == '\n') reason.pop_back();
    return unexpected("XML refused: not well-formed: " + (reason.empty() ? std::string("unknown error") : reason));
  }
  if (doc.root() == nullptr) return unexpected(std::string("XML refused: no root element"));
  if (auto bad = check_tree(doc.get())) return unexpected("XML refused: " + *bad);
  return doc;
}

bool is_element(const xmlNode* node, std::string_view ns, std::string_view local) {
  return node != nullptr && node->type == XML_ELEMENT_NODE && view(node->name) == local &&
         namespace_of(node) == ns;
}

xmlNodePtr first_child(const xmlNode* parent, std::string_view ns, std::string_view local) {
  if (parent == nullptr) return nullptr;
  for (xmlNodePtr c = parent->children; c != nullptr; c = c->next) {
    if (is_element(c, ns, local)) return c;
  }
  return nullptr;
}

std::vector<xmlNodePtr> children(const xmlNode* parent, std::string_view ns, std::string_view local) {
  std::vector<xmlNodePtr> out;
  if (parent == nullptr) return out;
  for (xmlNodePtr c = parent->children; c != nullptr; c = c->next) {
    if (is_element(c, ns, local)) out.push_back(c);
  }
  return out;
}

std::vector<xmlNodePtr> child_elements(const xmlNode* parent) {
  std::vector<xmlNodePtr> out;
  if (parent == nullptr) return out;
  for (xmlNodePtr c = parent->children; c != nullptr; c = c->next) {
    if (c->type == XML_ELEMENT_NODE) out.push_back(c);
  }
  return out;
}

Result<xmlNodePtr, std::string> at_most_one_child(const xmlNode* parent, std::string_view ns,
                                                  std::string_view local) {
  auto found = children(parent, ns, local);
  if (found.size() > 1) return unexpected("more than one " + std::string(local) + " element");
  return found.empty() ? nullptr : found.front();
}

Result<xmlNodePtr, std::string> exactly_one_child(const xmlNode* parent, std::string_view ns,
                                                  std::string_view local) {
  auto found = at_most_one_child(parent, ns, local);
  if (!found) return found;
  if (*found == nullptr) return unexpected("no " + std::string(local) + " element");
  return found;
}

std::optional<std::string> attribute(const xmlNode* element, std::string_view name) {
  if (element == nullptr || element->type != XML_ELEMENT_NODE) return std::nullopt;
  const std::string n(name);
  xmlAttrPtr a = xmlHasNsProp(const_cast<xmlNodePtr>(element), xml_chars(n.c_str()), nullptr);
  if (a == nullptr || a->ns != nullptr) return std::nullopt;
  xmlChar* v = xmlNodeGetContent(reinterpret_cast<xmlNodePtr>(a));
  std::string out(view(v));
  xmlFree(v);
  return out;
}

std::string text(const xmlNode* node) {
  if (node == nullptr) return {};
  xmlChar* v = xmlNodeGetContent(node);
  std::string out(view(v));
  xmlFree(v);
  return out;
}

std::string_view namespace_of(const xmlNode* element) {
  return element == nullptr || element->ns == nullptr ? std::string_view{} : view(element->ns->href);
}

std::string_view local_name(const xmlNode* node) { return node == nullptr ? std::string_view{} : view(node->name); }

Result<void, std::string> register_id(Document& doc, xmlNodePtr element) {
  if (doc.get() == nullptr || element == nullptr || element->doc != doc.get()) {
    return unexpected(std::string("ID: the element is not in this document"));
  }
  xmlAttrPtr attr = xmlHasNsProp(element, xml_chars("ID"), nullptr);
  if (attr == nullptr || attr->ns != nullptr) return unexpected(std::string("ID: the element has no ID attribute"));
  const std::string value = *attribute(element, "ID");
  if (value.empty() || xmlValidateNCName(xml_chars(value.c_str()), 0) != 0) {
    return unexpected(std::string("ID: the value is not an NCName"));
  }
  if (xmlAttrPtr known = xmlGetID(doc.get(), xml_chars(value.c_str())); known != nullptr) {
    if (known == attr) return {};
    return unexpected("ID: \"" + value + "\" is already registered for another element");
  }
  MessageCapture capture;  // xmlAddID reports through the generic handler
  if (count_id(doc.get()->children, value) != 1) {
    return unexpected("ID: \"" + value + "\" appears on more than one element");
  }
  if (xmlAddID(nullptr, doc.get(), xml_chars(value.c_str()), attr) == nullptr) {
    return unexpected("ID: \"" + value + "\" could not be registered");
  }
  return {};
}

std::string serialize(const Document& doc, bool declaration) {
  if (doc.get() == nullptr) return {};
  xmlBufferPtr buffer = xmlBufferCreate();
  if (buffer == nullptr) return {};
  xmlSaveCtxtPtr save = xmlSaveToBuffer(buffer, "UTF-8", declaration ? 0 : XML_SAVE_NO_DECL);
  std::string out;
  if (save != nullptr) {
    xmlSaveDoc(save, doc.get());
    xmlSaveClose(save);
    out.assign(reinterpret_cast<const char*>(xmlBufferContent(buffer)), xmlBufferLength(buffer));
  }
  xmlBufferFree(buffer);
  return out;
}

std::string serialize(const Document& doc, const xmlNode* element) {
  if (doc.get() == nullptr || element == nullptr) return {};
  xmlBufferPtr buffer = xmlBufferCreate();
  if (buffer == nullptr) return {};
  std::string out;
  if (xmlNodeDump(buffer, doc.get(), const_cast<xmlNodePtr>(element), 0, 0) >= 0) {
    out.assign(reinterpret_cast<const char*>(xmlBufferContent(buffer)), xmlBufferLength(buffer));
  }
  xmlBufferFree(buffer);
  return out;
}

}  // namespace gatehouse::saml
