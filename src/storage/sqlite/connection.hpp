#pragma once
// One SQLite connection with its cache of prepared statements, and the RAII pieces every store
// uses on it: Statement (bind, step, read columns; reset on scope exit) and Transaction (rolled
// back unless committed). Internal to storage/sqlite.
//
// Thread safety: a Connection is used by one thread at a time (the pool hands it out exclusively);
// connections are opened with SQLITE_OPEN_NOMUTEX for that reason.

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

#include "storage/query.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace gatehouse::storage::sqlite {

// Query (storage/query.hpp): its text is written with PostgreSQL's placeholders ($1, $2, ...) or
// SQLite's own (?1, ?2, ...); a connection prepares it in SQLite's (sqlite_placeholders).

/// `sql` with each placeholder $N written ?N (SQLite reads `$1` as a parameter *named* "$1",
/// numbered by first appearance, so "$2 ... $1" would bind the wrong values). A `$` inside a string
/// literal, a quoted identifier or a comment is left alone.
std::string sqlite_placeholders(std::string_view sql);

/// How to open one connection of a pool.
struct ConnectionSpec {
  std::string target;                       ///< file path, or a URI when `uri` is set
  bool uri = false;                         ///< interpret `target` as a URI (in-memory databases)
  bool wal = true;                          ///< require journal_mode=WAL (files only)
  std::chrono::milliseconds busy_timeout{5000};
  std::string label;                        ///< what error messages call this database (the path)
};

/// State of the busy handler while a connection waits for a lock (one waiter per connection).
struct BusyWait {
  std::chrono::milliseconds timeout{5000};
  std::chrono::steady_clock::time_point started;
};

class Connection {
 public:
  static constexpr Dialect kDialect = Dialect::kSqlite;
  /// Whether `value` can be bound as text: SQLite stores any bytes in a TEXT value.
  static constexpr bool storable_text(std::string_view) noexcept { return true; }

  /// @throws StorageError naming spec.label if the database cannot be opened or configured.
  explicit Connection(const ConnectionSpec& spec);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// The cached prepared statement for `query` (its placeholders turned into SQLite's and
  /// prepared with SQLITE_PREPARE_PERSISTENT on first use). Use it through Statement, which
  /// resets it afterwards.
  sqlite3_stmt* prepared(const Query& query);
  /// Runs a script of one or more statements without caching (migrations, pragmas).
  void exec_script(std::string_view name, const std::string& sql);
  /// true while a transaction is open.
  bool in_transaction() const noexcept;
  /// Rolls back an open transaction, ignoring errors (used when a connection returns to the pool).
  void rollback_quietly() noexcept;
  /// For the pool: an idle SQLite connection stays usable (unlike a PostgreSQL one, nothing can
  /// end it from outside while it sits idle).
  bool usable_when_idle() noexcept { return true; }
  /// For the pool, when a lease ends: rolls back a transaction left open; always reusable.
  bool reset_for_reuse() noexcept {
    rollback_quietly();
    in_unit_ = unit_failed_ = false;
    return true;
  }
  /// For the pool's units of work: BEGIN IMMEDIATE (the write lock at once, so the unit never
  /// meets a snapshot that another writer made stale), and COMMIT, which throws if a statement of
  /// the unit failed and no savepoint undid it (as PostgreSQL's aborted transaction refuses: a
  /// failed call inside a unit fails the unit on both backends, even if its caller went on).
  void begin_unit();
  void commit_unit();
  /// true inside a unit of work: a Transaction is then a savepoint within it.
  bool in_unit() const noexcept { return in_unit_; }
  /// Rows changed by the last INSERT/UPDATE/DELETE.
  std::int64_t changes() const noexcept;

  /// Frames in the WAL and frames of it already copied into the database file.
  struct WalState {
    int frames = 0;
    int checkpointed = 0;
  };
  /// Copies the WAL into the database file. PASSIVE never waits. RESTART also waits (through the
  /// busy handler, up to the busy timeout, holding off writers meanwhile) until no reader uses the
  /// WAL, so the next writer starts it again from the beginning instead of appending to it.
  /// @returns nullopt if a lock could not be had (try again later). @throws StorageError otherwise.
  std::optional<WalState> checkpoint(bool restart);

  /// @throws StorageError "sqlite '<label>': <what>: <sqlite message>". Messages never contain
  /// bound values (SQLite's own messages name constraints and columns, not data).
  [[noreturn]] void fail(std::string_view what, int rc) const;
  const std::string& label() const { return label_; }

 private:
  sqlite3* db_ = nullptr;
  std::string label_;
  BusyWait busy_;
  std::unordered_map<const Query*, sqlite3_stmt*> statements_;
  bool in_unit_ = false;
  mutable bool unit_failed_ = false;  // set by fail() inside a unit
  friend class Transaction;
};

/// One use of a cached statement: bind (values are copied), step, read. Resets and clears the
/// bindings when it goes out of scope, so the next user finds it clean.
class Statement {
 public:
  Statement(Connection& connection, const Query& query);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind_text(int index, std::string_view value);
  Statement& bind_blob(int index, std::string_view value);
  Statement& bind_int(int index, std::int64_t value);
  Statement& bind_null(int index);

  /// @returns true if a row is available, false when done. @throws StorageError otherwise.
  bool step();
  /// Steps a statement that returns no rows.
  void run();

  bool is_null(int column) const;
  std::string text(int column) const;
  std::string blob(int column) const;
  std::int64_t int64(int column) const;
  /// An integer column read as a flag (as postgres::Row reads a boolean), for row decoders both
  /// backends share.
  bool boolean(int column) const { return int64(column) != 0; }
  /// A list column (a JSON array of strings, string_list.hpp), read as postgres::Row reads a text[].
  /// @throws StorageError naming the column if it holds anything else.
  std::vector<std::string> text_array(int column) const;

 private:
  Connection& connection_;
  const Query& query_;
  sqlite3_stmt* stmt_;
};

/// BEGIN ... COMMIT, rolled back on scope exit unless committed. Inside a unit of work (which
/// already holds the write lock): SAVEPOINT ... RELEASE, rolled back to the savepoint instead.
class Transaction {
 public:
  /// kImmediate takes the write lock at once (waiting up to busy_timeout), so read-then-write
  /// sequences serialize across connections and processes; kDeferred is for consistent reads.
  enum class Mode { kDeferred, kImmediate };
  Transaction(Connection& connection, Mode mode);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Connection& connection_;
  bool nested_;
  bool failed_before_;  // the unit's failure flag when the savepoint began
  bool open_ = true;
};

/// Binds a Statement's parameters in order (1, 2, ...) under the names postgres::Params gives them,
/// so one parameter list serves both backends (storage/query.hpp).
class Binder {
 public:
  explicit Binder(Statement& statement) : statement_(statement) {}
  Binder& text(std::string_view value) {
    statement_.bind_text(++index_, value);
    return *this;
  }
  Binder& bytea(std::string_view value) {
    statement_.bind_blob(++index_, value);
    return *this;
  }
  /// A value of any bytes in a column that is bytea on PostgreSQL (where text must be UTF-8) and
  /// TEXT here (SQLite keeps any bytes in a TEXT value).
  Binder& any_text(std::string_view value) { return text(value); }
  Binder& int8(std::int64_t value) {
    statement_.bind_int(++index_, value);
    return *this;
  }
  Binder& int8(std::optional<std::int64_t> value) {
    if (value) return int8(*value);
    statement_.bind_null(++index_);
    return *this;
  }
  Binder& boolean(bool value) { return int8(value ? 1 : 0); }
  /// A list, kept as a JSON array of strings (string_list.hpp) where PostgreSQL has a text[].
  Binder& text_array(const std::vector<std::string>& values);

 private:
  Statement& statement_;
  int index_ = 0;
};

/// storage/query.hpp: runs a statement that returns no rows; answers the rows it changed.
template <class Bind>
std::int64_t run(Connection& connection, const Query& query, Bind&& bind) {
  Statement s(connection, query);
  Binder binder(s);
  bind(binder);
  s.run();
  return connection.changes();
}

/// storage/query.hpp: read(first row), or nullopt when there is none.
template <class Bind, class Read>
auto first_row(Connection& connection, const Query& query, Bind&& bind, Read&& read)
    -> std::optional<decltype(read(std::declval<const Statement&>()))> {
  Statement s(connection, query);
  Binder binder(s);
  bind(binder);
  if (!s.step()) return std::nullopt;
  auto row = read(static_cast<const Statement&>(s));
  // To the end: a write's RETURNING row comes before the statement (and its autocommit) finishes,
  // and only the last step reports a failed commit (a reset would drop it).
  while (s.step()) {
  }
  return row;
}

/// storage/query.hpp: read(row) for every row.
template <class Bind, class Read>
void for_each_row(Connection& connection, const Query& query, Bind&& bind, Read&& read) {
  Statement s(connection, query);
  Binder binder(s);
  bind(binder);
  while (s.step()) read(static_cast<const Statement&>(s));
}

/// Runs a purge statement ($1 the cut-off, $2 the batch size); answers how many rows it deleted.
/// storage::purge_batch's SQLite side.
std::size_t run_purge(Connection& connection, const Query& query, std::int64_t before, std::int64_t limit);

}  // namespace gatehouse::storage::sqlite
