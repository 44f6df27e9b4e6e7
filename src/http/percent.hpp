#pragma once
// Percent-encoding (RFC 3986 §2.1) and application/x-www-form-urlencoded values: the one pair of
// functions every front door uses for query strings, form bodies and path segments. On its own
// (no Beast, no sockets) so that parsers built without the HTTP library, such as the fuzz targets,
// can link it. Pure functions; thread safe.

#include <string>
#include <string_view>

namespace gatehouse::http {

/// Percent-decodes a path segment, query value or form value into `out` (cleared first).
/// `plus_as_space` for query strings and form bodies (a "+" is a space there), not for paths.
/// @returns false on a malformed escape ("%4", "%zz"); `out` then holds a partial result.
bool percent_decode(std::string_view in, std::string& out, bool plus_as_space);
/// Percent-encodes everything but RFC 3986's unreserved characters (A-Z a-z 0-9 - . _ ~), hex
/// digits in upper case: right for a query parameter value and for an
/// application/x-www-form-urlencoded value alike. Never fails.
std::string percent_encode(std::string_view in);

}  // namespace gatehouse::http
