#pragma once
// gatehouse-flowgen ldap-binds (issue 16): the baseline of bench/run's directory sign-ins. N
// threads, each with one persistent connection to one LDAP server, bind as the bench users in turn
// (simple binds, RFC 4513 §5.1.3) for a while; the rate is what the directory itself can check
// passwords at, measured through the same client library and connection code the node uses
// (directory::Connection over libldap), so that "directory sign-ins/s ÷ binds/s" says what a
// Gatehouse sign-in adds on top of the bind it cannot avoid.
//
// Each thread starts at its own place in the list of users (thread i at user i) and walks it in
// order; a bind that fails counts as an error, and a connection it left broken is opened again.

#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace gatehouse::bench {

/// At most this many users (DNs) in one run: the list is held in memory and walked in turn.
inline constexpr long kMaxBindUsers = 1'000'000;

struct LdapBindOptions {
  std::string url;                ///< ldap://host:port or ldaps://host:port (system CAs)
  std::vector<std::string> dns;   ///< the users bound as, in turn; not empty
  std::string password;           ///< every user's password
  int concurrency = 4;            ///< threads, one connection each
  double seconds = 10;            ///< the measured window
  double warmup = 0;              ///< binds before the window, not counted
};

/// The DNs of `pattern` with its one "%d" replaced by 0 .. count-1 ("uid=bench%d,ou=people,...").
/// @returns an error when the pattern has no "%d" or more than one, or count is not 1..kMaxBindUsers.
Result<std::vector<std::string>, std::string> dns_from_pattern(std::string_view pattern, long count);

/// The DNs listed in `text`, one a line (surrounding blanks trimmed; blank lines and lines starting
/// with '#' skipped). @returns an error when none is listed or there are more than kMaxBindUsers.
Result<std::vector<std::string>, std::string> dns_from_text(std::string_view text);

/// The DNs of the file at `path` (dns_from_text). @returns an error when it cannot be read.
Result<std::vector<std::string>, std::string> dns_from_file(const std::string& path);

/// Runs the binds: progress on stderr, then one "result mode=ldap-binds flows=... rate=... p50_ms=..."
/// line on stdout, in the form of the other flowgen modes (a bind counts as a flow).
/// @returns 0 when no bind failed, 1 when some failed during the run (the first one is printed),
/// 2 when a thread could not connect or its first bind failed (nothing measured).
int run_ldap_binds(const LdapBindOptions& options);

}  // namespace gatehouse::bench
