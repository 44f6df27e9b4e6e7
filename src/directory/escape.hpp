#pragma once
// Escaping user input for LDAP (issue 16): a search filter value (RFC 4515 §3) and a DN attribute
// value (RFC 4514 §2.4), so that no login name can change the filter or the DN it is put into.

#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::directory {

/// `value` as an assertion value of a search filter (RFC 4515 §3): '*', '(', ')', '\' and NUL
/// become \2a, \28, \29, \5c and \00; so does every other byte below 0x20 and 0x7f (harmless to the
/// grammar, but never meant in a login name and unreadable in logs). Bytes from 0x80 (UTF-8) are
/// kept as they are. Never fails.
std::string escape_filter_value(std::string_view value);

/// `value` as an attribute value of a DN (RFC 4514 §2.4): '"', '+', ',', ';', '<', '>', '\' and a
/// '=' are preceded by '\'; a leading '#' or space and a trailing space too; NUL and the other
/// control bytes become \XX. Never fails.
std::string escape_dn_value(std::string_view value);

/// Replaces every "{user}" in `pattern` with `escaped` (already escaped for where the pattern is
/// used). @returns nullopt if `pattern` has no "{user}" (a configuration mistake the loader
/// refuses first).
std::optional<std::string> fill_user(std::string_view pattern, std::string_view escaped);

}  // namespace gatehouse::directory
