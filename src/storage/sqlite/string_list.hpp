#pragma once
// Encoding of list columns (grant_types, scopes, redirect_uris, audience): a JSON array of
// strings. Exact for any element (spaces, quotes, empty strings, non-ASCII), readable in the
// sqlite3 shell, and the same text the PostgreSQL backend can keep in a json column.

#include <string>
#include <string_view>
#include <vector>

namespace gatehouse::storage::sqlite {

std::string encode_string_list(const std::vector<std::string>& items);
/// @throws StorageError naming `column` if the text is not a JSON array of strings.
std::vector<std::string> decode_string_list(std::string_view text, std::string_view column);

}  // namespace gatehouse::storage::sqlite
