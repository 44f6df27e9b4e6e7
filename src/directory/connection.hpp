#pragma once
// One connection to one directory server (issue 16), over Debian's OpenLDAP client library
// (libldap 2.5). Every operation is sent asynchronously and its answer waited for with a
// deadline; the connect and the TLS handshake, which libldap 2.5 does not bound (it can wait for
// ever on a server that accepted the TCP connection and then stopped), are bounded by a watchdog
// that shuts the socket down at the deadline. A directory that hangs therefore costs a caller at
// most the timeout, never a worker for good.
//
// A connection is used by one thread at a time (the pool lends it); after any failure other than
// a refused bind it is broken() and must be dropped.

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

struct ldapmsg;  // libldap's LDAPMessage (ldap.h stays out of this header)

namespace gatehouse::directory {

/// Where and how to reach one server.
struct Endpoint {
  std::string url;                                  ///< "ldap://host:port" or "ldaps://host:port": one server
  bool start_tls = false;                           ///< ldap:// only: StartTLS before anything else
  std::string ca_file;                              ///< PEM CAs its certificate must chain to; "" = the system's
  std::chrono::milliseconds connect_timeout{2000};  ///< TCP connect and TLS handshake
  std::chrono::milliseconds timeout{3000};          ///< each operation's answer
};

enum class Failure {
  kUnavailable,         ///< no answer in time, connection refused or lost, TLS failed, server busy
  kInvalidCredentials,  ///< a bind answered invalidCredentials (49)
  kRefused,             ///< any other result (unwillingToPerform, insufficientAccessRights, ...)
};

struct LdapError {
  Failure failure = Failure::kUnavailable;
  int code = 0;             ///< the LDAP result code; negative for libldap's own (-1 server down, -5 timeout)
  std::string message;      ///< for the log: the operation and the code's text (never a password)
  std::string diagnostic;   ///< the server's diagnostic message (Active Directory: "... data 775, ...")
};

/// One entry of a search answer. Attribute names in lower case; values as the bytes sent.
struct Entry {
  std::string dn;
  std::map<std::string, std::vector<std::string>> attributes;

  /// The first value of `name` (lower case), or "".
  std::string first(const std::string& name) const;
};

enum class Scope { kBase, kOneLevel, kSubtree };

struct SearchRequest {
  std::string base;
  Scope scope = Scope::kSubtree;
  std::string filter;                   ///< already escaped where it holds user input
  std::vector<std::string> attributes;  ///< empty: none (LDAP "1.1")
  int size_limit = 2;                   ///< entries at most; more is the server's sizeLimitExceeded
  bool partial = false;                 ///< then: the entries read so far, not an error
};

/// Bounds on what a server may send, so a hostile or broken one cannot make a node allocate
/// without limit.
inline constexpr std::size_t kMaxAttributes = 64;  ///< per entry (a search names the few it wants)
inline constexpr std::size_t kMaxValuesPerAttribute = 2000;
inline constexpr std::size_t kMaxValueBytes = 64 * 1024;
inline constexpr std::size_t kMaxMessageBytes = 1024 * 1024;  ///< one LDAP message (an entry, a result)

/// Prepares libldap's process-wide state (its first call is not thread-safe) and makes a write to
/// a server that went away an error rather than the end of the process: libldap writes with
/// write(2), so SIGPIPE is ignored unless the program already handles it. Call it once at startup,
/// before threads; Connection::open calls it too (once), for programs that did not.
void initialise();

class Connection {
 public:
  /// Connects to `endpoint` (and runs StartTLS when asked), within connect_timeout.
  /// @returns kUnavailable when the server cannot be reached, the TLS handshake fails (a
  /// certificate that does not chain to ca_file, or a name that does not match) or time runs out.
  static Result<std::unique_ptr<Connection>, LdapError> open(const Endpoint& endpoint);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// A simple bind (RFC 4513 §5.1.3) as `dn` with `password`. An empty `dn` or `password` is
  /// refused here, never sent: with an empty password a server may answer success for an
  /// unauthenticated bind (RFC 4513 §5.1.2). @returns kInvalidCredentials for a wrong password
  /// (the connection stays usable), kRefused (e.g. the account is locked: see `diagnostic`) or
  /// kUnavailable.
  Result<void, LdapError> bind(std::string_view dn, std::string_view password);

  /// Searches; the entries found (search references are ignored: referrals are not chased).
  /// @returns kRefused with code 4 (sizeLimitExceeded) when more than size_limit entries match.
  Result<std::vector<Entry>, LdapError> search(const SearchRequest& request);

  /// true once a failure has left the connection unusable (drop it).
  bool broken() const { return broken_; }
  const Endpoint& endpoint() const { return endpoint_; }

  struct Handle;  // libldap's handle and what the watchdog needs of it

 private:
  explicit Connection(Endpoint endpoint, std::unique_ptr<Handle> handle);
  Result<void, LdapError> start_tls();
  LdapError fail(std::string_view what, int code, Failure failure);
  Result<std::pair<int, ::ldapmsg*>, LdapError> await(std::string_view what, int msgid,
                                                           std::chrono::steady_clock::time_point deadline, int all);
  Result<std::pair<int, std::string>, LdapError> result_of(std::string_view what, ::ldapmsg* m);

  Endpoint endpoint_;
  std::unique_ptr<Handle> handle_;
  bool broken_ = false;
};

}  // namespace gatehouse::directory
