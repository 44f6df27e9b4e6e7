#pragma once
// How both backends map the sign-in rows (login_transactions, sso_sessions) to the sign-in
// domain's types, where the mapping is more than one column per field. One place for SQLite and
// PostgreSQL, so the two cannot drift.

#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "oidc/authorize/authorization_request.hpp"
#include "session/sso_session_store.hpp"
#include "signin/transaction.hpp"

namespace gatehouse::storage::sign_in_columns {

// --- sso_sessions.participants ----------------------------------------------------------------
// One record per participant, each starting with '\n': protocol '\t' service '\t' at '\t' detail.
// The fields are percent-encoded (anything outside printable ASCII, '%' and space), so a record
// holds no raw tab or newline and the column is valid text on PostgreSQL. The store appends a
// record only when the column does not contain participant_key(protocol, service) yet: one
// conditional UPDATE, no read-modify-write.

namespace detail {
inline void append_field(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : value) {
    if (c > 0x20 && c < 0x7f && c != '%') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
}
inline std::string field(std::string_view value) {
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    auto hex = [&](std::size_t at) {
      const char c = at < value.size() ? value[at] : 'x';
      return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    };
    if (value[i] == '%' && hex(i + 1) >= 0 && hex(i + 2) >= 0) {
      out += static_cast<char>(hex(i + 1) * 16 + hex(i + 2));
      i += 2;
    } else {
      out += value[i];
    }
  }
  return out;
}
/// The digits of `text` as a time (other characters are passed over, as they always were).
/// @returns false, leaving `at` unspecified, when the number does not fit UnixSeconds: a record
/// no node wrote, which is skipped rather than read as a wrapped-around time.
inline bool read_time(std::string_view text, UnixSeconds& at) {
  at = 0;
  for (char c : text) {
    if (c < '0' || c > '9') continue;
    if (at > (std::numeric_limits<UnixSeconds>::max() - (c - '0')) / 10) return false;
    at = at * 10 + (c - '0');
  }
  return true;
}
}  // namespace detail

/// The start of a participant's record: what the store looks for before appending.
inline std::string participant_key(std::string_view protocol, std::string_view service) {
  std::string out = "\n";
  detail::append_field(out, protocol);
  out += '\t';
  detail::append_field(out, service);
  out += '\t';
  return out;
}

inline std::string participant_record(const session::Participant& p) {
  std::string out = participant_key(p.protocol, p.service);
  out += std::to_string(p.at);
  out += '\t';
  detail::append_field(out, p.detail);
  return out;
}

inline std::string encode_participants(const std::vector<session::Participant>& participants) {
  std::string out;
  for (const auto& p : participants) out += participant_record(p);
  return out;
}

/// The column's records; a malformed one is skipped (never a crash).
inline std::vector<session::Participant> decode_participants(std::string_view column) {
  std::vector<session::Participant> out;
  while (!column.empty()) {
    column.remove_prefix(column.front() == '\n' ? 1 : 0);
    const auto end = std::min(column.find('\n'), column.size());
    std::string_view record = column.substr(0, end);
    column.remove_prefix(end);
    std::string_view parts[4];
    std::size_t n = 0;
    for (; n < 4 && !record.empty(); ++n) {
      const auto tab = n == 3 ? record.size() : std::min(record.find('\t'), record.size());
      parts[n] = record.substr(0, tab);
      record.remove_prefix(std::min(tab + 1, record.size()));
    }
    if (n < 3) continue;
    session::Participant p{detail::field(parts[0]), detail::field(parts[1]), 0, detail::field(parts[3])};
    if (!detail::read_time(parts[2], p.at)) continue;
    out.push_back(std::move(p));
  }
  return out;
}

// --- login_transactions: the OIDC columns of the previous release --------------------------------
// TEMPORARY (expand/contract, migration 0015): a node of the previous release reads and writes only
// the OIDC columns (client_id ... max_age). So that either release can complete a form the other
// rendered, an OIDC transaction still fills them, and a row without a continuation (kind '') is
// one an old node wrote: it is read as an OIDC transaction built from those columns. Dropped in the
// contract release, together with the columns.

/// The legacy OIDC columns to write for `tx` (all empty unless it is an OIDC transaction).
inline oidc::AuthorizationRequest legacy_oidc_columns(const signin::SignInTransaction& tx) {
  if (tx.continuation.kind != signin::kOidcKind) return {};
  auto request = oidc::decode_request(tx.continuation.payload);
  return request ? std::move(*request) : oidc::AuthorizationRequest{};
}

/// Completes `tx` as read from `row`: a row an old node wrote (no kind) becomes an OIDC transaction
/// with the continuation, service and requirements its legacy columns describe, marked legacy_csrf. `first` is the
/// column of client_id; redirect_uri ... prompt follow in the order of AuthorizationRequest. `Row`
/// is either backend's row (both read a column with text(i)); login_hint and max_age are already
/// in `tx` (those columns are shared by every kind).
template <class Row>
void read_legacy_oidc_columns(signin::SignInTransaction& tx, const Row& row, int first) {
  if (!tx.continuation.kind.empty()) return;
  oidc::AuthorizationRequest old{row.text(first),     row.text(first + 1), row.text(first + 2), row.text(first + 3),
                                 row.text(first + 4), row.text(first + 5), row.text(first + 6), row.text(first + 7),
                                 row.text(first + 8), row.text(first + 9), tx.login_hint,       tx.max_age, {}};
  tx.continuation = {std::string(signin::kOidcKind), oidc::encode_request(old)};
  tx.service = old.client_id;
  tx.legacy_csrf = true;  // its form's token is the old release's (SignInTransaction::legacy_csrf)
  const std::string_view prompt = old.prompt;
  for (std::size_t start = 0; start < prompt.size();) {
    const auto end = std::min(prompt.find(' ', start), prompt.size());
    if (prompt.substr(start, end - start) == "login") tx.fresh = true;
    start = end + 1;
  }
}

}  // namespace gatehouse::storage::sign_in_columns
