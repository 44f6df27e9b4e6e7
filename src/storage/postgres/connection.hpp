#pragma once
// One libpq connection with its per-connection prepared statements, and the pieces every store
// uses on it: Params (parameters, all sent in binary format), Result/Row (results, all received in
// binary format) and Transaction (rolled back unless committed). Internal to storage/postgres.
//
// Binary format both ways: bytea travels as raw bytes (no hex or escape round trip), and a text
// value is length-delimited, so an embedded zero byte is refused by the server instead of silently
// cutting the value short as a text-format (C string) parameter would.
//
// Thread safety: a Connection is used by one thread at a time (the pool hands it out exclusively).
//
// Every store relies on read committed (Transaction spells it out; autocommit statements run at
// the session default, which Connection sets): a statement that waited for a row lock then acts
// on the latest committed row, and the next statement sees everything committed before it began.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "storage/query.hpp"

struct pg_conn;
struct pg_result;

namespace gatehouse::storage::postgres {

// Query (storage/query.hpp): a connection prepares it on first use. Parameters are $1, $2, ...;
// their types are those of the first Params a connection runs it with.

/// A statement the server refused. sqlstate() and constraint() let a store turn an expected
/// refusal (a unique violation) into a result. The message holds the server's primary message
/// only: its DETAIL lines quote the offending values (hashes, ids), so they are never copied.
class PgError : public StorageError {
 public:
  PgError(const std::string& message, std::string sqlstate, std::string constraint)
      : StorageError(message), sqlstate_(std::move(sqlstate)), constraint_(std::move(constraint)) {}
  const std::string& sqlstate() const { return sqlstate_; }
  const std::string& constraint() const { return constraint_; }

 private:
  std::string sqlstate_;
  std::string constraint_;
};

inline constexpr std::string_view kUniqueViolation = "23505";

/// Parameter values, copied (a caller may pass temporaries).
class Params {
 public:
  Params& text(std::string_view value);
  Params& bytea(std::string_view value);
  /// A value of any bytes in a column that is bytea here (text must be UTF-8) and TEXT on SQLite:
  /// bytea() under the name sqlite::Binder gives it, for parameter lists both backends share.
  Params& any_text(std::string_view value) { return bytea(value); }
  Params& int8(std::int64_t value);
  Params& int8(std::optional<std::int64_t> value);  ///< nullopt binds a typed NULL
  Params& boolean(bool value);
  Params& text_array(const std::vector<std::string>& values);

 private:
  friend class Connection;
  struct Param {
    std::uint32_t type;   // the parameter's type OID
    std::size_t offset;   // into bytes_
    int length;           // -1 for NULL
  };
  Params& add(std::uint32_t type, std::string_view bytes);
  std::vector<Param> params_;
  std::string bytes_;
};

/// One row of a Result. Accessors check the column's type and throw StorageError naming the
/// query on a mismatch (a schema that does not match the code).
class Row {
 public:
  bool is_null(int column) const;
  std::string text(int column) const;  ///< text, varchar and bytea; "" for NULL
  std::int64_t int8(int column) const;  ///< int2, int4, int8; 0 for NULL
  std::optional<std::int64_t> optional_int8(int column) const;
  /// int8() under the name sqlite::Statement gives it, for row decoders both backends share.
  std::int64_t int64(int column) const { return int8(column); }
  /// text() under the name sqlite::Statement gives a blob column (bytea reads as its bytes).
  std::string blob(int column) const { return text(column); }
  bool boolean(int column) const;
  std::vector<std::string> text_array(int column) const;  ///< a one-dimensional text[] without NULLs

 private:
  friend class Result;
  Row(const pg_result* result, int row, std::string_view query) : result_(result), row_(row), query_(query) {}
  [[noreturn]] void bad_column(int column, std::string_view expected) const;
  std::string_view bytes(int column) const;
  const pg_result* result_;
  int row_;
  std::string_view query_;
};

/// The outcome of one statement; owns the libpq result.
class Result {
 public:
  Result(pg_result* result, std::string_view query) : result_(result), query_(query) {}
  ~Result();
  Result(Result&& other) noexcept : result_(other.result_), query_(other.query_) { other.result_ = nullptr; }
  Result& operator=(Result&&) = delete;

  int rows() const;
  /// Rows inserted, updated or deleted (or returned by a SELECT).
  std::int64_t affected() const;
  Row row(int index) const { return Row(result_, index, query_); }
  bool empty() const { return rows() == 0; }

 private:
  pg_result* result_;
  std::string_view query_;
};

/// How to open one connection of a pool.
struct ConnectionSpec {
  DatabaseUrl url;                   ///< libpq URL or key=value string (may hold a password)
  std::string search_path;           ///< a quoted identifier, or empty for the server's default
  std::chrono::milliseconds connect_timeout{5000};
  std::string label;                 ///< what messages call the server: never the password
  /// Counts the connections of a backend that were lost (the server ended them, the network
  /// dropped them, the server turned out to be a read-only standby): PostgresBackend reads it to
  /// tell the node it may have missed notifications or be talking to a new primary. Optional.
  std::shared_ptr<std::atomic<std::uint64_t>> losses;
};

/// libpq's options for `spec` with its connect timeout: PQconnectdbParams of the pool's
/// connections and of the event listener. Ends with nullptrs; points into `spec` and `timeout`.
struct ConnectOptions {
  explicit ConnectOptions(const ConnectionSpec& spec);
  ConnectOptions(const ConnectOptions&) = delete;  // values point into timeout
  ConnectOptions& operator=(const ConnectOptions&) = delete;
  std::string timeout;
  const char* keywords[4];
  const char* values[4];
};

/// Keeps libpq from printing the server's notices and warnings on stderr (they are not JSON log
/// lines, and the ones that matter arrive as errors anyway).
void quiet_notices(pg_conn* connection) noexcept;

/// Whether a statement's failure means the connection is done for: lost (libpq's status, SQLSTATE
/// class 08), ended by the server (57P01 an administrator, 57P02 a crash, 57P03 not accepting
/// connections now), or on a server that can take no writes (25006: a standby, after a failover
/// of a URL without target_session_attrs=read-write, or a demoted primary).
bool ends_connection(std::string_view sqlstate) noexcept;

class Connection {
 public:
  static constexpr Dialect kDialect = Dialect::kPostgres;
  /// Whether `value` can be bound as text (is_storable_text): a lookup by a value that cannot
  /// answers "not found" without asking the server.
  static bool storable_text(std::string_view value) noexcept;

  /// Connects and sets the session up (read committed, search_path).
  /// @throws StorageError naming spec.label.
  explicit Connection(const ConnectionSpec& spec);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Runs `query` (prepared on first use on this connection). A statement outside a transaction
  /// whose connection is lost is run once more on a new one (this object reconnects, by the same
  /// URL, so a multi-host URL finds the new primary) when query.on_loss allows it, or when the
  /// server refused it unrun (25006). @throws PgError (a broken connection: the pool discards it).
  Result execute(const Query& query, const Params& params = {});
  /// Runs a script of one or more statements without parameters or caching (migrations, DDL).
  void exec_script(std::string_view what, const std::string& sql);
  /// `SELECT 1` answered within `timeout`; never throws. A connection that does not answer in
  /// time is marked unusable (its query may still be running).
  bool ping(std::chrono::milliseconds timeout) noexcept;

  /// For the pool, before handing out an idle connection: false if it is broken or the server
  /// sent something while it sat idle. Nothing is sent unprompted to an idle connection that does
  /// not LISTEN except the notice that the server is ending it (pg_terminate_backend, a shutdown,
  /// idle_session_timeout), so any pending input means "closed".
  bool usable_when_idle() noexcept;
  /// For the pool, when a lease ends: rolls back a transaction left open. @returns false if the
  /// connection must be discarded (broken, or the rollback failed).
  bool reset_for_reuse() noexcept;
  /// For the pool's units of work: BEGIN (read committed, as Transaction), and COMMIT, which
  /// throws if a statement of the unit failed (the server would answer it with a rollback).
  void begin_unit();
  void commit_unit();
  /// true inside a unit of work: a Transaction is then a savepoint within it.
  bool in_unit() const noexcept { return in_unit_; }

  const std::string& label() const { return label_; }

 private:
  [[noreturn]] void fail(std::string_view what, pg_result* result);
  Result run_statement(const Query& query, const Params& params);
  /// Sets the session up: read committed, search_path. @throws PgError.
  void configure();
  /// Marks the connection lost (counted once).
  void lose() noexcept;
  /// Connects again in place, by the same parameters: prepared statements are prepared again on
  /// first use. @throws StorageError if the server cannot be reached.
  void reconnect();

  pg_conn* conn_ = nullptr;
  std::string label_;
  std::string search_path_;
  std::shared_ptr<std::atomic<std::uint64_t>> losses_;
  std::unordered_map<const Query*, std::string> statements_;  // Query → prepared statement name
  bool broken_ = false;
  bool in_unit_ = false;
};

/// BEGIN ISOLATION LEVEL READ COMMITTED ... COMMIT, rolled back on scope exit unless committed.
/// Read committed is spelled out because the stores rely on its rule that every statement sees
/// what committed before it started (after waiting for a lock), whatever the server's default.
/// Inside a unit of work: SAVEPOINT ... RELEASE, rolled back to the savepoint instead.
class Transaction {
 public:
  explicit Transaction(Connection& connection);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Connection& connection_;
  bool nested_;
  bool open_ = true;
};

/// A one-dimensional text[] in PostgreSQL's binary format (array_recv's input): what
/// Params::text_array binds. An empty list is the array without dimensions.
std::string encode_text_array(const std::vector<std::string>& values);
/// The elements of a text[] in PostgreSQL's binary format (array_send's output): what
/// Row::text_array reads. Never reads past `value`, whatever it holds.
/// @returns the elements, or what the value is not ("a one-dimensional text[]", "a well-formed
/// text[]", "a text[] without NULL elements") when it has more than one dimension, is cut short,
/// or holds a NULL element. Bytes after the last element are ignored.
gatehouse::Result<std::vector<std::string>, std::string_view> decode_text_array(std::string_view value);

/// true if `value` can be a text value on the server: well-formed UTF-8 without a zero byte. The
/// ports take any bytes; a lookup by a key that is not storable text answers "not found" (no such
/// row can exist) instead of sending the server a value it refuses with an error.
bool is_storable_text(std::string_view value) noexcept;

/// `value` as a quoted SQL identifier ("a""b"). @throws StorageError on a zero byte.
std::string quote_identifier(std::string_view value);

/// What messages call the server of `url`: "postgres 'user@host:port/dbname'", never a password.
/// @throws StorageError (without quoting the URL) if libpq cannot parse it.
std::string describe_server(const DatabaseUrl& url);

inline bool Connection::storable_text(std::string_view value) noexcept { return is_storable_text(value); }

/// storage/query.hpp: runs a statement; answers the rows it changed.
template <class Bind>
std::int64_t run(Connection& connection, const Query& query, Bind&& bind) {
  Params params;
  bind(params);
  return connection.execute(query, params).affected();
}

/// storage/query.hpp: read(first row), or nullopt when there is none.
template <class Bind, class Read>
auto first_row(Connection& connection, const Query& query, Bind&& bind, Read&& read)
    -> std::optional<decltype(read(std::declval<const Row&>()))> {
  Params params;
  bind(params);
  const auto result = connection.execute(query, params);
  if (result.empty()) return std::nullopt;
  return read(static_cast<const Row&>(result.row(0)));
}

/// storage/query.hpp: read(row) for every row.
template <class Bind, class Read>
void for_each_row(Connection& connection, const Query& query, Bind&& bind, Read&& read) {
  Params params;
  bind(params);
  const auto result = connection.execute(query, params);
  for (int i = 0; i < result.rows(); ++i) read(static_cast<const Row&>(result.row(i)));
}

/// Runs a purge statement ($1 the cut-off, $2 the batch size); answers how many rows it deleted.
/// storage::purge_batch's PostgreSQL side.
std::size_t run_purge(Connection& connection, const Query& query, std::int64_t before, std::int64_t limit);

}  // namespace gatehouse::storage::postgres
