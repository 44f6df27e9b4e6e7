#pragma once
// The named SQL statement both backends run (STYLE C8), and what lets one store definition serve
// both. Internal to storage/.
//
// A statement is written once, in PostgreSQL's placeholder style ($1, $2, ...); the SQLite backend
// turns it into its own (?1, ?2, ...) when a connection prepares it (once: statements are cached
// per connection), so text that is the same in both dialects is written once, in the port's
// storage/<port>_store.hpp. A statement whose text differs on purpose is a DialectQuery, both texts
// side by side with a comment saying why.
//
// Each backend's connection.hpp offers, under the same names (found through the connection's
// namespace), what a shared store definition calls:
//   std::int64_t run(Connection&, const Query&, Bind bind)              rows changed
//   std::optional<T> first_row(Connection&, const Query&, Bind, Read)   read(row) of the first row
//   void for_each_row(Connection&, const Query&, Bind, Read)            read(row) of every row
// `bind` gets the backend's parameter list (postgres::Params, sqlite::Binder: the same methods) and
// binds the parameters in order; `read` gets a row (postgres::Row, sqlite::Statement: the same
// accessors). Both are inlined: no allocation, no virtual call per request.

#include <string_view>

namespace gatehouse::storage {

/// Define each one once, as a constant (file scope, or `inline constexpr` in a header): each
/// connection keys its cache of prepared statements by the Query's address.
struct Query {
  std::string_view name;
  std::string_view sql;
};

enum class Dialect { kSqlite, kPostgres };

/// A statement whose text differs between the dialects on purpose.
struct DialectQuery {
  Query sqlite;
  Query postgres;
};

/// The text of `query` for Connection's dialect (Connection::kDialect).
template <class Connection>
constexpr const Query& in_dialect(const DialectQuery& query) {
  return Connection::kDialect == Dialect::kSqlite ? query.sqlite : query.postgres;
}

/// The `bind` of a statement without parameters.
inline constexpr auto kNoParams = [](auto&) {};

}  // namespace gatehouse::storage
