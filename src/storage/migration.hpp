#pragma once
// One numbered schema migration compiled into the binary. Each backend has its own list
// (<backend>/migrations.hpp); their source of truth is <backend>/migrations/NNNN_<name>.sql, which
// CMake embeds at configure time (gatehouse_add_sql_backend, storage/CMakeLists.txt). Both
// backends use the same number for the same change from 0015 on.

#include <algorithm>
#include <span>
#include <string_view>
#include <vector>

namespace gatehouse::storage {

struct Migration {
  int version;            ///< NNNN from the file name; strictly increasing
  std::string_view name;  ///< <name> from the file name
  std::string_view sql;   ///< the file's text: one or more statements, no BEGIN/COMMIT
};

/// The highest version in `all` (0 if empty): what a binary with these migrations knows.
inline int latest_version(std::span<const Migration> all) { return all.empty() ? 0 : all.back().version; }

/// The migrations of `all` whose version is not in `applied`, in order: what migrate() would apply.
inline std::vector<Migration> not_applied(std::span<const Migration> all, const std::vector<int>& applied) {
  std::vector<Migration> out;
  for (const Migration& m : all)
    if (std::find(applied.begin(), applied.end(), m.version) == applied.end()) out.push_back(m);
  return out;
}

}  // namespace gatehouse::storage
