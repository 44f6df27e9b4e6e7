#pragma once
// Text checks shared by the boundary (a client_id from a request) and the PostgreSQL backend (what a
// text parameter may hold).

#include <string_view>

namespace gatehouse {

/// true if `value` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above
/// U+10FFFF) without a zero byte: text that PostgreSQL accepts in a text value.
bool is_utf8_text(std::string_view value) noexcept;

}  // namespace gatehouse
