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

#include <string>
#include <string_view>

namespace gatehouse::storage {

/// What the PostgreSQL backend may do with a statement run on its own (outside a transaction)
/// whose connection was lost before the answer came: it may or may not have been applied. A
/// statement the server refused without running it (a read-only standby) is always run again on
/// a new connection; SQLite has no connection to lose.
enum class OnLoss : unsigned char {
  /// Run it once more on a new connection if it is a SELECT (a read), a DELETE (a repeat removes
  /// at most rows of the same kind written meanwhile) or a BEGIN; otherwise the caller gets the StorageError (a 503): an INSERT or
  /// UPDATE repeated blindly could apply twice.
  kByKind,
  /// Run it once more: a one-time consumption (a code marked used, a TOTP step, a first use). If
  /// the lost attempt was applied, the repeat finds the item used and refuses it: the item is
  /// never accepted twice, at worst the one request that raced the failure is refused.
  kRepeat,
};

/// Define each one once, as a constant (file scope, or `inline constexpr` in a header): each
/// connection keys its cache of prepared statements by the Query's address.
struct Query {
  std::string_view name;
  std::string_view sql;
  OnLoss on_loss = OnLoss::kByKind;
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

/// A bounded purge (STYLE C11, storage::purge_batch): deletes at most $2 rows of `table` that match
/// `condition` ($1 is the cut-off), the first ones in `order` (empty: any), written once for both
/// dialects. SQLite picks the rows by rowid, so one purge never holds the write lock for long.
/// PostgreSQL locks them FOR UPDATE SKIP LOCKED in the inner SELECT: concurrent purgers (two nodes)
/// take disjoint rows and never wait on each other or on a request that is writing a row (which is
/// left for the next batch); the lock also keeps a row as selected until it is deleted, and a row
/// that changed meanwhile is re-checked against `condition`. `key` is the table's primary key.
/// Define each one once (`inline const` in a header): it owns the text its queries point into.
class PurgeQuery {
 public:
  PurgeQuery(std::string_view name, std::string_view table, std::string_view key, std::string_view condition,
             std::string_view order)
      : sqlite_(text(table, "rowid", condition, order, "")),
        postgres_(text(table, key, condition, order, " FOR UPDATE SKIP LOCKED")),
        query_{{name, sqlite_}, {name, postgres_}} {}
  PurgeQuery(const PurgeQuery&) = delete;
  PurgeQuery& operator=(const PurgeQuery&) = delete;
  const DialectQuery& query() const { return query_; }

 private:
  static std::string text(std::string_view table, std::string_view key, std::string_view condition,
                          std::string_view order, std::string_view lock) {
    std::string sql = "DELETE FROM ";
    sql.append(table).append(" WHERE ").append(key).append(" IN (SELECT ").append(key).append(" FROM ");
    sql.append(table).append(" WHERE ").append(condition);
    if (!order.empty()) sql.append(" ORDER BY ").append(order);
    return sql.append(" LIMIT $2").append(lock).append(")");
  }

  std::string sqlite_;    // before query_, which points into it
  std::string postgres_;
  DialectQuery query_;
};

/// The purge statement of `query` for Connection's dialect.
template <class Connection>
const Query& in_dialect(const PurgeQuery& query) {
  return in_dialect<Connection>(query.query());
}

/// The `bind` of a statement without parameters.
inline constexpr auto kNoParams = [](auto&) {};

}  // namespace gatehouse::storage
