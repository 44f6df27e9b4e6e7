#pragma once
// Internal to saml/: the process-wide libxml2 set-up and the capture of library messages, so
// that nothing libxml2 or xmlsec says reaches stderr and every failure can carry its reason.
// Not part of the public contract: include only from src/saml/*.cpp.

#include <string>

#include <libxml/xmlerror.h>

#include "core/result.hpp"

namespace gatehouse::saml::detail {

/// Initialises libxml2 once per process and installs the external entity loader that refuses
/// everything (no file, no network, whatever a document or a library asks for). Thread safe.
void ensure_libxml();

/// Initialises xmlsec and its OpenSSL backend once per process (after ensure_libxml), with its
/// messages routed to MessageCapture and its I/O callbacks removed. Defined in dsig.cpp.
/// @returns the reason when initialisation failed (then every later call fails the same way).
Result<void, std::string> ensure_xmlsec();

/// While alive, this thread's libxml2 messages (and xmlsec's, routed here by dsig.cpp) are
/// collected instead of printed; the first few are kept for the failure reason. Restores the
/// previous handlers on destruction. Nests.
class MessageCapture {
 public:
  MessageCapture();
  ~MessageCapture();
  MessageCapture(const MessageCapture&) = delete;
  MessageCapture& operator=(const MessageCapture&) = delete;

  /// The collected messages, "; "-separated, or "" when there were none.
  const std::string& messages() const { return messages_; }
  /// Adds a message (used by the xmlsec callback for the capture active on this thread).
  void add(std::string_view message);
  /// The capture active on this thread, or nullptr.
  static MessageCapture* current();

 private:
  std::string messages_;
  MessageCapture* previous_ = nullptr;
  xmlStructuredErrorFunc previous_structured_ = nullptr;
  void* previous_structured_context_ = nullptr;
};

}  // namespace gatehouse::saml::detail
