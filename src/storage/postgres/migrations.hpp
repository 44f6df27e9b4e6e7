#pragma once
// The numbered schema migrations of this backend (storage/migration.hpp).

#include <span>

#include "storage/migration.hpp"

namespace gatehouse::storage::postgres {

/// Every known migration, in version order.
std::span<const Migration> migrations();

}  // namespace gatehouse::storage::postgres
