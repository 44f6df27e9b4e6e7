#include "storage/sqlite/connection.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <limits>
#include <string>

#include <sqlite3.h>

#include "core/error.hpp"
#include "storage/sqlite/string_list.hpp"

namespace gatehouse::storage::sqlite {
namespace {

constexpr Query kBeginDeferred{"begin", "BEGIN"};
constexpr Query kBeginImmediate{"begin_immediate", "BEGIN IMMEDIATE"};
constexpr Query kCommit{"commit", "COMMIT"};
constexpr Query kRollback{"rollback", "ROLLBACK"};
constexpr Query kSavepoint{"savepoint", "SAVEPOINT gh_nested"};
constexpr Query kRelease{"release", "RELEASE gh_nested"};
constexpr Query kRollbackToSavepoint{"rollback_to_savepoint", "ROLLBACK TO gh_nested"};

// Bound values are copied (SQLITE_TRANSIENT): a caller may bind a temporary. The copies are a few
// dozen bytes per statement, far below the cost of the step itself.
const char kEmpty[] = "";

std::string error_message(const std::string& label, std::string_view what, sqlite3* db, int rc) {
  std::string message = "sqlite '" + label + "': " + std::string(what) + ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  message += " (" + std::string(sqlite3_errstr(rc)) + ")";
  return message;
}

// Writers of this process wait for each other on a condition variable that every commit and
// rollback signals, instead of SQLite's busy timeout, which sleeps 1, 2, 5, 10 ... 100 ms between
// attempts: two worker threads taking turns at the write lock (each holds it for tens of
// microseconds) would otherwise wait milliseconds for nothing. A writer in another process (a
// `gatehouse` command) is noticed by the bounded wait.
struct WriteSignal {
  std::mutex mutex;
  std::condition_variable done;
  std::uint64_t generation = 0;
};

WriteSignal& write_signal() {
  static WriteSignal signal;
  return signal;
}

void signal_write_done() {
  auto& s = write_signal();
  {
    std::lock_guard lock(s.mutex);
    ++s.generation;
  }
  s.done.notify_all();
}

int on_wal_commit(void*, sqlite3*, const char*, int) {
  signal_write_done();
  return SQLITE_OK;
}

void on_rollback(void*) { signal_write_done(); }

int wait_for_writer(void* context, int attempt) {
  auto* state = static_cast<BusyWait*>(context);
  const auto now = std::chrono::steady_clock::now();
  if (attempt == 0) state->started = now;
  if (now - state->started >= state->timeout) return 0;  // give up: SQLITE_BUSY
  auto& s = write_signal();
  std::unique_lock lock(s.mutex);
  const auto seen = s.generation;
  s.done.wait_for(lock, attempt < 50 ? std::chrono::microseconds(200) : std::chrono::microseconds(1000),
                  [&] { return s.generation != seen; });
  return 1;
}

}  // namespace

Connection::Connection(const ConnectionSpec& spec) : label_(spec.label) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (spec.uri) flags |= SQLITE_OPEN_URI;
  const int rc = sqlite3_open_v2(spec.target.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = error_message(label_, "cannot open database", db_, rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw StorageError(message);
  }
  sqlite3_extended_result_codes(db_, 1);
  busy_.timeout = spec.busy_timeout;
  sqlite3_busy_handler(db_, &wait_for_writer, &busy_);
  try {
    if (spec.wal) {
      // journal_mode answers with the mode in effect; a file system without shared memory
      // support (some network file systems) keeps the old one, which we refuse.
      Query set_wal{"journal_mode_wal", "PRAGMA journal_mode=WAL"};
      sqlite3_stmt* stmt = nullptr;
      int prc = sqlite3_prepare_v2(db_, set_wal.sql.data(), static_cast<int>(set_wal.sql.size()),
                                   &stmt, nullptr);
      if (prc != SQLITE_OK) fail("enable WAL journal mode", prc);
      prc = sqlite3_step(stmt);
      std::string mode;
      if (prc == SQLITE_ROW) mode = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      sqlite3_finalize(stmt);
      if (prc != SQLITE_ROW) fail("enable WAL journal mode", prc);
      if (mode != "wal") {
        throw StorageError("sqlite '" + label_ + "': WAL journal mode is not available (journal mode is '" +
                           mode + "')");
      }
    }
    // No checkpoint (and its fsync) inside a request's commit: see the WAL hook below.
    // journal_size_limit: when the WAL starts again from the beginning, a file that grew under a
    // burst is cut back to 64 MiB (kept that large so steady writing reuses allocated blocks).
    exec_script("configure", "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL; PRAGMA journal_size_limit=67108864;");
    // After the pragmas (wal_autocheckpoint would replace it): the WAL hook also turns automatic
    // checkpoints off; the backend's checkpointer runs them.
    sqlite3_wal_hook(db_, &on_wal_commit, nullptr);
    sqlite3_rollback_hook(db_, &on_rollback, nullptr);
  } catch (...) {
    sqlite3_close_v2(db_);
    throw;
  }
}

std::optional<Connection::WalState> Connection::checkpoint(bool restart) {
  WalState state;
  const int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, restart ? SQLITE_CHECKPOINT_RESTART : SQLITE_CHECKPOINT_PASSIVE,
                                           &state.frames, &state.checkpointed);
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return std::nullopt;
  if (rc != SQLITE_OK) fail(restart ? "checkpoint (restart)" : "checkpoint", rc);
  return state;
}

Connection::~Connection() {
  for (auto& [query, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

namespace {
bool is_digit(char c) { return c >= '0' && c <= '9'; }
// A character that continues an identifier (SQLite allows `$` in one: a$1 is a name).
bool is_word(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}
}  // namespace

std::string sqlite_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  for (std::size_t i = 0; i < sql.size();) {
    const char c = sql[i];
    std::size_t end = i + 1;  // the end of the piece that starts at i, copied as it is
    if (c == '\'' || c == '"' || c == '`' || c == '[') {
      // A literal or quoted identifier; a doubled quote inside it ('it''s') is two of them in a row.
      const char close = c == '[' ? ']' : c;
      end = std::min(sql.find(close, i + 1), sql.size() - 1) + 1;
    } else if (sql.substr(i, 2) == "--") {
      end = std::min(sql.find('\n', i), sql.size());
    } else if (sql.substr(i, 2) == "/*") {
      end = std::min(sql.find("*/", i + 2), sql.size() - 2) + 2;
    } else if (c == '$' && i + 1 < sql.size() && is_digit(sql[i + 1]) && (i == 0 || !is_word(sql[i - 1]))) {
      out += '?';
      ++i;
      continue;
    }
    out.append(sql.substr(i, end - i));
    i = end;
  }
  return out;
}

sqlite3_stmt* Connection::prepared(const Query& query) {
  // SQLite rolls a transaction back by itself after some errors (SQLITE_FULL, an I/O error); the
  // rest of a unit must not then run and commit statement by statement.
  if (in_unit_ && sqlite3_get_autocommit(db_) != 0) {
    unit_failed_ = true;
    throw StorageError("sqlite '" + label_ + "': the unit of work's transaction was rolled back after an error");
  }
  if (auto it = statements_.find(&query); it != statements_.end()) return it->second;
  const std::string sql = sqlite_placeholders(query.sql);  // once per connection: the statement is cached
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                    &stmt, &tail);
  if (rc != SQLITE_OK) fail("prepare " + std::string(query.name), rc);
  if (stmt == nullptr || tail != sql.data() + sql.size()) {
    sqlite3_finalize(stmt);
    throw StorageError("sqlite '" + label_ + "': query " + std::string(query.name) +
                       " must be exactly one statement");
  }
  statements_.emplace(&query, stmt);
  return stmt;
}

void Connection::exec_script(std::string_view name, const std::string& sql) {
  char* raw_message = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &raw_message);
  if (rc != SQLITE_OK) {
    std::string detail = raw_message != nullptr ? raw_message : sqlite3_errstr(rc);
    sqlite3_free(raw_message);
    throw StorageError("sqlite '" + label_ + "': " + std::string(name) + ": " + detail + " (" +
                       sqlite3_errstr(rc) + ")");
  }
}

bool Connection::in_transaction() const noexcept { return sqlite3_get_autocommit(db_) == 0; }

void Connection::rollback_quietly() noexcept {
  if (in_transaction()) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

std::int64_t Connection::changes() const noexcept { return sqlite3_changes64(db_); }

void Connection::fail(std::string_view what, int rc) const {
  if (in_unit_) unit_failed_ = true;
  throw StorageError(error_message(label_, what, db_, rc));
}

Statement::Statement(Connection& connection, const Query& query)
    : connection_(connection), query_(query), stmt_(connection.prepared(query)) {}

Statement::~Statement() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Statement& Statement::bind_text(int index, std::string_view value) {
  const char* data = value.data() != nullptr ? value.data() : kEmpty;
  const int rc = sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) connection_.fail("bind " + std::string(query_.name), rc);
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view value) {
  // A null pointer would bind NULL, not an empty blob.
  const char* data = value.data() != nullptr ? value.data() : kEmpty;
  const int rc = sqlite3_bind_blob64(stmt_, index, data, value.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) connection_.fail("bind " + std::string(query_.name), rc);
  return *this;
}

Statement& Statement::bind_int(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) connection_.fail("bind " + std::string(query_.name), rc);
  return *this;
}

Statement& Statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) connection_.fail("bind " + std::string(query_.name), rc);
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  connection_.fail(query_.name, rc);
}

void Statement::run() {
  while (step()) {
  }
}

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::string Statement::text(int column) const {
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  const int size = sqlite3_column_bytes(stmt_, column);
  return data != nullptr ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

std::string Statement::blob(int column) const {
  // A zero-length blob reads as a null pointer.
  const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  const int size = sqlite3_column_bytes(stmt_, column);
  return data != nullptr ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

std::int64_t Statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::vector<std::string> Statement::text_array(int column) const {
  const char* name = sqlite3_column_name(stmt_, column);
  return decode_string_list(text(column), name != nullptr ? name : "?");
}

Binder& Binder::text_array(const std::vector<std::string>& values) { return text(encode_string_list(values)); }

void Connection::begin_unit() {
  Statement(*this, kBeginImmediate).run();
  in_unit_ = true;
  unit_failed_ = false;
}

void Connection::commit_unit() {
  in_unit_ = false;  // a COMMIT refused or failed leaves the transaction to the lease's rollback
  if (unit_failed_) throw StorageError("sqlite '" + label_ + "': a statement of the unit of work failed; nothing of it was committed");
  Statement(*this, kCommit).run();
}

Transaction::Transaction(Connection& connection, Mode mode)
    : connection_(connection), nested_(connection.in_unit()), failed_before_(connection.unit_failed_) {
  if (nested_) {
    Statement(connection_, kSavepoint).run();
    return;
  }
  Statement(connection_, mode == Mode::kImmediate ? kBeginImmediate : kBeginDeferred).run();
}

Transaction::~Transaction() {
  if (!open_) return;
  if (nested_) {
    // Undoes the savepoint's changes; the unit goes on (its owner decides, from the exception).
    // If even that fails, the unit may not commit; never a ROLLBACK here, which would end the
    // unit's transaction under it.
    try {
      Statement(connection_, kRollbackToSavepoint).run();
      Statement(connection_, kRelease).run();
      connection_.unit_failed_ = failed_before_;  // what failed inside was undone with it
    } catch (...) {
      connection_.unit_failed_ = true;
    }
    return;
  }
  try {
    Statement(connection_, kRollback).run();
  } catch (...) {
    // SQLite may already have rolled back (e.g. after SQLITE_FULL); never throw from here.
    connection_.rollback_quietly();
  }
}

void Transaction::commit() {
  Statement(connection_, nested_ ? kRelease : kCommit).run();
  open_ = false;
}

std::size_t run_purge(Connection& connection, const Query& query, std::int64_t before, std::int64_t limit) {
  Statement s(connection, query);
  s.bind_int(1, before).bind_int(2, limit).run();
  return static_cast<std::size_t>(connection.changes());
}

}  // namespace gatehouse::storage::sqlite
