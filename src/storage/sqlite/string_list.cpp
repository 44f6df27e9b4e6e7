#include "storage/sqlite/string_list.hpp"

#include <boost/json.hpp>

#include "core/error.hpp"

namespace gatehouse::storage::sqlite {

std::string encode_string_list(const std::vector<std::string>& items) {
  boost::json::array array;
  array.reserve(items.size());
  for (const auto& item : items) array.emplace_back(boost::json::string_view(item.data(), item.size()));
  return boost::json::serialize(array);
}

std::vector<std::string> decode_string_list(std::string_view text, std::string_view column) {
  // Rows are small; a stack buffer keeps the hot read path (a client per token request) free of
  // heap allocations for the parse itself.
  unsigned char buffer[2048];
  boost::json::monotonic_resource resource(buffer, sizeof(buffer));
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(text, ec, &resource);
  if (ec || !value.is_array()) {
    throw StorageError("sqlite: column " + std::string(column) + " is not a JSON array of strings");
  }
  std::vector<std::string> items;
  items.reserve(value.get_array().size());
  for (const auto& element : value.get_array()) {
    if (!element.is_string()) {
      throw StorageError("sqlite: column " + std::string(column) + " is not a JSON array of strings");
    }
    const auto& s = element.get_string();
    items.emplace_back(s.data(), s.size());
  }
  return items;
}

}  // namespace gatehouse::storage::sqlite
