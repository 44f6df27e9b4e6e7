#include "storage/postgres/connection.hpp"

#include <poll.h>

#include <algorithm>
#include <limits>
#include <memory>

#include <libpq-fe.h>

#include "core/request_stats.hpp"
#include "core/utf8.hpp"

namespace gatehouse::storage::postgres {
namespace {

// The types this code binds and reads, by their OID in pg_type (fixed since PostgreSQL 7; the
// server headers that name them are not part of libpq-dev).
enum class PgType : std::uint32_t {
  kBool = 16,
  kBytea = 17,
  kName = 19,
  kInt8 = 20,
  kInt2 = 21,
  kInt4 = 23,
  kText = 25,
  kTextArray = 1009,
  kVarchar = 1043,
};

constexpr std::uint32_t oid(PgType type) { return static_cast<std::uint32_t>(type); }
PgType column_type(const PGresult* result, int column) { return static_cast<PgType>(PQftype(result, column)); }

constexpr int kBinary = 1;

constexpr Query kBegin{"begin", "BEGIN ISOLATION LEVEL READ COMMITTED"};
constexpr Query kCommit{"commit", "COMMIT"};
constexpr Query kSavepoint{"savepoint", "SAVEPOINT gh_nested"};
constexpr Query kRelease{"release", "RELEASE SAVEPOINT gh_nested"};
constexpr Query kRollbackToSavepoint{"rollback_to_savepoint", "ROLLBACK TO SAVEPOINT gh_nested"};

// Network byte order (binary format) to and from host integers.
void put_be(std::string& out, std::uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

std::uint64_t get_be(const char* data, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = (value << 8) | static_cast<unsigned char>(data[i]);
  return value;
}

std::int64_t get_signed(const char* data, int bytes) {
  const std::uint64_t raw = get_be(data, bytes);
  const int shift = 64 - 8 * bytes;  // sign-extend int2/int4
  return static_cast<std::int64_t>(raw << shift) >> shift;
}

std::string first_line(const char* message) {
  std::string text = message != nullptr ? message : "";
  if (auto end = text.find('\n'); end != std::string::npos) text.resize(end);
  return text.empty() ? "no message from libpq" : text;
}

// libpq prints NOTICEs to stderr by default; ours are "already exists, skipping" from IF NOT
// EXISTS and say nothing an operator needs.
void ignore_notice(void*, const char*) {}

}  // namespace

// --- Params ----------------------------------------------------------------------------------

Params& Params::add(std::uint32_t type, std::string_view bytes) {
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw StorageError("postgres: a parameter value is larger than 2 GiB");
  }
  params_.push_back(Param{type, bytes_.size(), static_cast<int>(bytes.size())});
  bytes_.append(bytes);
  return *this;
}

Params& Params::text(std::string_view value) { return add(oid(PgType::kText), value); }
Params& Params::bytea(std::string_view value) { return add(oid(PgType::kBytea), value); }

Params& Params::int8(std::int64_t value) {
  std::string bytes;
  put_be(bytes, static_cast<std::uint64_t>(value), 8);
  return add(oid(PgType::kInt8), bytes);
}

Params& Params::int8(std::optional<std::int64_t> value) {
  if (value) return int8(*value);
  params_.push_back(Param{oid(PgType::kInt8), bytes_.size(), -1});
  return *this;
}

Params& Params::boolean(bool value) { return add(oid(PgType::kBool), value ? std::string_view("\1", 1) : std::string_view("\0", 1)); }

Params& Params::text_array(const std::vector<std::string>& values) {
  return add(oid(PgType::kTextArray), encode_text_array(values));
}

// --- text[] in binary format -----------------------------------------------------------------

std::string encode_text_array(const std::vector<std::string>& values) {
  // array_recv's format: ndim, has-nulls flag, element type, then (length, lower bound) per
  // dimension and (length, bytes) per element. An empty array has no dimensions.
  std::string bytes;
  put_be(bytes, values.empty() ? 0 : 1, 4);
  put_be(bytes, 0, 4);
  put_be(bytes, oid(PgType::kText), 4);
  if (!values.empty()) {
    put_be(bytes, values.size(), 4);
    put_be(bytes, 1, 4);
  }
  for (const auto& value : values) {
    put_be(bytes, value.size(), 4);
    bytes.append(value);
  }
  return bytes;
}

gatehouse::Result<std::vector<std::string>, std::string_view> decode_text_array(std::string_view value) {
  const char* p = value.data();
  const char* const end = p + value.size();
  bool short_read = false;
  auto read4 = [&]() -> std::int64_t {
    if (end - p < 4) {
      short_read = true;
      return 0;
    }
    const auto v = get_signed(p, 4);
    p += 4;
    return v;
  };
  constexpr std::string_view kMalformed = "a well-formed text[]";
  const auto dimensions = read4();
  read4();  // has-nulls flag: checked per element below
  read4();  // element type
  if (short_read) return unexpected(kMalformed);
  std::vector<std::string> items;
  if (dimensions == 0) return items;
  if (dimensions != 1) return unexpected(std::string_view("a one-dimensional text[]"));
  const auto count = read4();
  read4();  // lower bound
  // Every element takes at least its 4-byte length: a count the bytes cannot hold is refused
  // before anything is reserved for it.
  if (short_read || count < 0 || count > (end - p) / 4) return unexpected(kMalformed);
  items.reserve(static_cast<std::size_t>(count));
  for (std::int64_t i = 0; i < count; ++i) {
    const auto length = read4();
    if (short_read) return unexpected(kMalformed);
    if (length < 0) return unexpected(std::string_view("a text[] without NULL elements"));
    if (length > end - p) return unexpected(kMalformed);
    items.emplace_back(p, static_cast<std::size_t>(length));
    p += length;
  }
  return items;
}

// --- Result and Row --------------------------------------------------------------------------

Result::~Result() { PQclear(result_); }

int Result::rows() const { return PQntuples(result_); }

std::int64_t Result::affected() const {
  const char* tuples = PQcmdTuples(result_);
  return tuples != nullptr && *tuples != '\0' ? std::stoll(tuples) : 0;
}

void Row::bad_column(int column, std::string_view expected) const {
  throw StorageError("postgres: query " + std::string(query_) + ": column " + std::to_string(column) +
                     " is not " + std::string(expected) + " (type oid " +
                     std::to_string(oid(column_type(result_, column))) + ")");
}

bool Row::is_null(int column) const { return PQgetisnull(result_, row_, column) != 0; }

std::string_view Row::bytes(int column) const {
  return {PQgetvalue(result_, row_, column), static_cast<std::size_t>(PQgetlength(result_, row_, column))};
}

std::string Row::text(int column) const {
  const auto type = column_type(result_, column);
  if (type != PgType::kText && type != PgType::kBytea && type != PgType::kVarchar && type != PgType::kName) bad_column(column, "text");
  return std::string(bytes(column));
}

std::int64_t Row::int8(int column) const {
  const auto value = bytes(column);
  const auto type = column_type(result_, column);
  const std::size_t size = type == PgType::kInt8 ? 8 : type == PgType::kInt4 ? 4 : type == PgType::kInt2 ? 2 : 0;
  if (size == 0) bad_column(column, "an integer");
  if (is_null(column)) return 0;
  if (value.size() != size) bad_column(column, "a well-formed integer");
  return get_signed(value.data(), static_cast<int>(size));
}

std::optional<std::int64_t> Row::optional_int8(int column) const {
  if (is_null(column)) return std::nullopt;
  return int8(column);
}

bool Row::boolean(int column) const {
  if (column_type(result_, column) != PgType::kBool) bad_column(column, "boolean");
  const auto value = bytes(column);
  return value.size() == 1 && value[0] != 0;
}

std::vector<std::string> Row::text_array(int column) const {
  if (column_type(result_, column) != PgType::kTextArray) bad_column(column, "text[]");
  auto items = decode_text_array(bytes(column));
  if (!items) bad_column(column, items.error());
  return std::move(*items);
}

// --- Connection ------------------------------------------------------------------------------

ConnectOptions::ConnectOptions(const ConnectionSpec& spec)
    : timeout(std::to_string(std::max<std::int64_t>(1, std::chrono::ceil<std::chrono::seconds>(spec.connect_timeout).count()))),
      // Keywords before dbname are defaults the URL may override (libpq processes them in order).
      keywords{"fallback_application_name", "connect_timeout", "dbname", nullptr},
      values{"gatehouse", timeout.c_str(), spec.url.reveal().c_str(), nullptr} {}

void quiet_notices(pg_conn* connection) noexcept { PQsetNoticeProcessor(connection, ignore_notice, nullptr); }

bool ends_connection(std::string_view sqlstate) noexcept {
  return sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03" ||
         sqlstate == "25006";
}

Connection::Connection(const ConnectionSpec& spec)
    : label_(spec.label), search_path_(spec.search_path), losses_(spec.losses) {
  const ConnectOptions options(spec);
  conn_ = PQconnectdbParams(options.keywords, options.values, /*expand_dbname=*/1);
  if (conn_ == nullptr) throw StorageError(label_ + ": cannot connect: out of memory");
  if (PQstatus(conn_) != CONNECTION_OK) {
    const std::string message = label_ + ": cannot connect: " + first_line(PQerrorMessage(conn_));
    PQfinish(conn_);
    throw StorageError(message);
  }
  PQsetNoticeProcessor(conn_, ignore_notice, nullptr);
  try {
    configure();
  } catch (...) {
    PQfinish(conn_);
    throw;
  }
}

void Connection::configure() {
  std::string setup = "SET default_transaction_isolation TO 'read committed'";
  if (!search_path_.empty()) setup += "; SET search_path TO " + search_path_;
  exec_script("configure the session", setup);
}

void Connection::lose() noexcept {
  if (broken_) return;
  broken_ = true;
  if (losses_) ++*losses_;
}

void Connection::reconnect() {
  statements_.clear();  // the new session has none of them
  in_unit_ = false;
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK)
    throw StorageError(label_ + ": cannot connect again: " + first_line(PQerrorMessage(conn_)));
  broken_ = false;
  try {
    configure();
  } catch (...) {
    lose();
    throw;
  }
}

Connection::~Connection() { PQfinish(conn_); }

void Connection::fail(std::string_view what, pg_result* result) {
  std::unique_ptr<pg_result, decltype(&PQclear)> owned(result, PQclear);
  const char* primary = result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  const char* sqlstate = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* constraint = result != nullptr ? PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME) : nullptr;
  std::string message = label_ + ": " + std::string(what) + ": ";
  // Without a server message the failure is libpq's own (connection lost, protocol error).
  message += primary != nullptr ? std::string(primary) : first_line(PQerrorMessage(conn_));
  if (sqlstate != nullptr) message += " (SQLSTATE " + std::string(sqlstate) + ")";
  if (PQstatus(conn_) != CONNECTION_OK || (sqlstate != nullptr && ends_connection(sqlstate))) lose();
  throw PgError(message, sqlstate != nullptr ? sqlstate : "", constraint != nullptr ? constraint : "");
}

namespace {

// Whether a statement that was lost with its connection may be run again (OnLoss).
bool may_repeat(const Query& query, const PgError& error) {
  if (error.sqlstate() == "25006") return true;  // refused by a read-only server: not run
  if (query.on_loss == OnLoss::kRepeat) return true;
  const auto sql = query.sql.substr(std::min(query.sql.find_first_not_of(" \t\r\n"), query.sql.size()));
  auto starts = [&](std::string_view word) {
    return sql.size() >= word.size() && std::equal(word.begin(), word.end(), sql.begin(), [](char a, char b) {
             return a == (b >= 'a' && b <= 'z' ? static_cast<char>(b - 'a' + 'A') : b);
           });
  };
  return starts("SELECT") || starts("DELETE") || starts("BEGIN");
}

}  // namespace

Result Connection::execute(const Query& query, const Params& params) {
  // On its own (no transaction open), a statement's fate is its own: whether it may be run again
  // after losing its connection depends on the statement only. Inside a transaction the whole
  // transaction is lost with the connection, and its caller gets the error.
  const bool alone = !in_unit_ && PQtransactionStatus(conn_) == PQTRANS_IDLE;
  try {
    return run_statement(query, params);
  } catch (const PgError& error) {
    if (!alone || !broken_ || !may_repeat(query, error)) throw;
  }
  reconnect();
  return run_statement(query, params);
}

Result Connection::run_statement(const Query& query, const Params& params) {
  const int n = static_cast<int>(params.params_.size());
  auto it = statements_.find(&query);
  if (it == statements_.end()) {
    std::vector<Oid> types;
    types.reserve(params.params_.size());
    for (const auto& p : params.params_) types.push_back(p.type);
    std::string name = "gh_" + std::to_string(statements_.size() + 1);
    const std::string sql(query.sql);
    stats::count_store_round_trip();
    pg_result* prepared = PQprepare(conn_, name.c_str(), sql.c_str(), n, types.data());
    if (prepared == nullptr || PQresultStatus(prepared) != PGRES_COMMAND_OK) {
      fail("prepare " + std::string(query.name), prepared);
    }
    PQclear(prepared);
    it = statements_.emplace(&query, std::move(name)).first;
  }
  // At most a couple of dozen parameters: small arrays on the stack would do, but vectors keep
  // this obviously correct and cost a few hundred nanoseconds against a network round trip.
  std::vector<const char*> values(params.params_.size());
  std::vector<int> lengths(params.params_.size());
  std::vector<int> formats(params.params_.size(), kBinary);
  for (std::size_t i = 0; i < params.params_.size(); ++i) {
    const auto& p = params.params_[i];
    values[i] = p.length < 0 ? nullptr : params.bytes_.data() + p.offset;
    lengths[i] = p.length;
  }
  stats::count_store_round_trip();
  pg_result* result =
      PQexecPrepared(conn_, it->second.c_str(), n, values.data(), lengths.data(), formats.data(), kBinary);
  const auto status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) fail(query.name, result);
  return Result(result, query.name);
}

void Connection::exec_script(std::string_view what, const std::string& sql) {
  // PQexec returns the last statement's result; an error stops the script there.
  stats::count_store_round_trip();
  pg_result* result = PQexec(conn_, sql.c_str());
  const auto status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) fail(what, result);
  PQclear(result);
}

bool Connection::ping(std::chrono::milliseconds timeout) noexcept {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  stats::count_store_round_trip();
  if (PQsendQueryParams(conn_, "SELECT 1", 0, nullptr, nullptr, nullptr, nullptr, kBinary) != 1) {
    lose();
    return false;
  }
  while (true) {
    if (PQconsumeInput(conn_) != 1) {
      lose();
      return false;
    }
    if (PQisBusy(conn_) == 0) break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      broken_ = true;  // the answer may still come: this connection's protocol state is unknown;
                       // a slow server, not a lost one (no catch-up for it)
      return false;
    }
    pollfd fd{PQsocket(conn_), POLLIN, 0};
    poll(&fd, 1, static_cast<int>(left.count()));
  }
  bool ok = false;
  while (pg_result* result = PQgetResult(conn_)) {
    ok = ok || PQresultStatus(result) == PGRES_TUPLES_OK;
    PQclear(result);
  }
  return ok;
}

bool Connection::usable_when_idle() noexcept {
  if (broken_ || PQstatus(conn_) != CONNECTION_OK || PQtransactionStatus(conn_) != PQTRANS_IDLE) return false;
  pollfd fd{PQsocket(conn_), POLLIN, 0};
  if (poll(&fd, 1, 0) == 0) return true;
  lose();
  return false;
}

bool Connection::reset_for_reuse() noexcept {
  in_unit_ = false;
  if (broken_ || PQstatus(conn_) != CONNECTION_OK) return false;
  const auto state = PQtransactionStatus(conn_);
  if (state == PQTRANS_IDLE) return true;
  if (state != PQTRANS_INTRANS && state != PQTRANS_INERROR) return false;  // mid-query or unknown
  stats::count_store_round_trip();
  pg_result* result = PQexec(conn_, "ROLLBACK");
  const bool ok = result != nullptr && PQresultStatus(result) == PGRES_COMMAND_OK;
  PQclear(result);
  return ok && PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

// --- Transaction -----------------------------------------------------------------------------

void Connection::begin_unit() {
  execute(kBegin);
  in_unit_ = true;
}

void Connection::commit_unit() {
  in_unit_ = false;
  // COMMIT of a transaction in which a statement failed is answered as a ROLLBACK, not an error.
  if (PQtransactionStatus(conn_) != PQTRANS_INTRANS)
    throw StorageError(label_ + ": a statement of the unit of work failed; nothing of it was committed");
  execute(kCommit);
}

Transaction::Transaction(Connection& connection) : connection_(connection), nested_(connection.in_unit()) {
  connection_.execute(nested_ ? kSavepoint : kBegin);
}

Transaction::~Transaction() {
  if (!open_) return;
  if (nested_) {
    // Undoes the savepoint's changes, and clears a failed statement's abort so the unit can go on
    // (its owner decides, from the exception). If even that fails, the unit's COMMIT refuses.
    try {
      connection_.execute(kRollbackToSavepoint);
      connection_.execute(kRelease);
    } catch (...) {
    }
    return;
  }
  // A failed statement leaves the transaction aborted; the pool's reset_for_reuse() rolls it back
  // when the lease ends, which is also where a broken connection is discarded.
  connection_.reset_for_reuse();
}

void Transaction::commit() {
  open_ = false;  // COMMIT ends the transaction even when it fails
  connection_.execute(nested_ ? kRelease : kCommit);
}

// --- text ---------------------------------------------------------------------------------------

bool is_storable_text(std::string_view value) noexcept { return is_utf8_text(value); }

// --- naming ----------------------------------------------------------------------------------

std::string quote_identifier(std::string_view value) {
  if (value.find('\0') != std::string_view::npos) throw StorageError("postgres: an identifier contains a zero byte");
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string describe_server(const DatabaseUrl& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.reveal().c_str(), &error);
  if (options == nullptr) {
    // libpq's message may quote part of the URL, password included.
    PQfreemem(error);
    throw StorageError("postgres: the connection URL is not valid (it is not repeated here because it may hold a password)");
  }
  std::string user, host, port, dbname;
  for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;
    const std::string_view keyword = o->keyword;
    if (keyword == "user") user = o->val;
    else if (keyword == "host" || (keyword == "hostaddr" && host.empty())) host = o->val;
    else if (keyword == "port") port = o->val;
    else if (keyword == "dbname") dbname = o->val;
  }
  PQconninfoFree(options);
  // A multi-host URL gives comma-separated hosts and ports (one port for all, or one each):
  // named as host:port pairs.
  auto split = [](const std::string& list) {
    std::vector<std::string> items;
    std::size_t start = 0;
    for (std::size_t comma; (comma = list.find(',', start)) != std::string::npos; start = comma + 1)
      items.push_back(list.substr(start, comma - start));
    items.push_back(list.substr(start));
    return items;
  };
  const auto hosts = split(host.empty() ? "localhost" : host);
  const auto ports = split(port);
  std::string label = "postgres '";
  if (!user.empty()) label += user + "@";
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    if (i > 0) label += ",";
    label += hosts[i].empty() ? "localhost" : hosts[i];
    const std::string& p = ports.size() == hosts.size() ? ports[i] : ports.front();
    if (!p.empty()) label += ":" + p;
  }
  if (!dbname.empty()) label += "/" + dbname;
  return label + "'";
}

std::size_t run_purge(Connection& connection, const Query& query, std::int64_t before, std::int64_t limit) {
  return static_cast<std::size_t>(connection.execute(query, Params().int8(before).int8(limit)).affected());
}

}  // namespace gatehouse::storage::postgres
