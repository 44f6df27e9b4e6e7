#pragma once
// The numbered schema migrations compiled into the binary. Their source of truth is
// migrations/NNNN_<name>.sql; CMake embeds them (migrations_embedded.cpp.in) at configure time.

#include <span>
#include <string_view>

namespace gatehouse::storage::postgres {

struct Migration {
  int version;            ///< NNNN from the file name; strictly increasing
  std::string_view name;  ///< <name> from the file name
  std::string_view sql;   ///< the file's text: one or more statements, no BEGIN/COMMIT
};

/// Every known migration, in version order.
std::span<const Migration> migrations();

}  // namespace gatehouse::storage::postgres
