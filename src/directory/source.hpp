#pragma once
// A directory as an identity source (issue 16): LDAP or Active Directory servers tried in order,
// each with a bounded pool of connections; a sign-in is a search for the user with the service
// account (or a DN made from a template), then a bind as the user with the password given; the
// user's stable id, attributes and groups are read in the same round.
//
// A server that fails or times out is skipped for `retry_after` and the next one is asked in the
// same sign-in; a wrong password is never retried elsewhere (each try would count against the
// account in the directory).

#include <chrono>
#include <functional>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "directory/connection.hpp"

namespace gatehouse::directory {

enum class Flavour { kLdap, kActiveDirectory };
enum class GroupLookup { kNone, kMemberOf, kSearch };

struct SourceOptions {
  std::string name;                       ///< shown in the audit trail and on the linked account
  Flavour flavour = Flavour::kLdap;
  std::vector<std::string> urls;          ///< tried in this order; each one server
  bool start_tls = false;                 ///< for the ldap:// URLs (ldaps:// ones are TLS already)
  std::string ca_file;                    ///< "" = the system's CAs
  std::string bind_dn;                    ///< the service account; "" = direct bind with dn_template
  std::string bind_password;              ///< its password (read from a file by the loader)
  std::string user_base;
  bool user_subtree = true;
  std::string user_filter = "(uid={user})";  ///< {user}: the login name, RFC 4515-escaped
  std::string dn_template;                ///< direct bind: "uid={user},ou=people,..." ({user} RFC 4514-escaped)
  std::string id_attribute = "entryUUID"; ///< the stable id the local account is linked by
  std::string username_attribute = "uid";
  GroupLookup groups = GroupLookup::kMemberOf;
  std::string group_base;
  std::string group_filter = "(&(objectClass=groupOfNames)(member={dn}))";  ///< {dn}: escaped
  std::size_t max_groups = 500;
  std::map<std::string, std::string> claims;  ///< claim -> attribute (email -> mail, ...)
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds timeout{3000};
  std::size_t pool_size = 4;              ///< connections per server at most (in use and idle)
  std::chrono::milliseconds pool_wait{1000};  ///< how long a sign-in waits for one of them
  std::chrono::milliseconds retry_after{30000};
  bool trust_email = false;               ///< DirectoryUser::email_verified
};

/// Bounds on what becomes a local account: a username longer than this refuses the sign-in
/// (logged), a longer claim value is left out.
inline constexpr std::size_t kMaxUsernameBytes = 128;
inline constexpr std::size_t kMaxClaimBytes = 2048;

/// A user as the directory has them.
struct DirectoryUser {
  std::string source;       ///< SourceOptions::name
  std::string external_id;  ///< id_attribute's value (objectGUID: its 16 bytes as 32 hex digits)
  std::string dn;
  std::string username;     ///< username_attribute's value
  std::map<std::string, std::string> claims;
  std::vector<std::string> groups;  ///< the groups' names (their first RDN value), sorted
  bool email_verified = false;      ///< an email, from a source whose emails are trusted
};

enum class Refusal {
  kUnknownUser,        ///< no entry for this login name (or more than one)
  kWrongPassword,
  kDisabled,           ///< Active Directory: the account is disabled
  kLocked,             ///< locked out by the directory
  kPasswordExpired,
  kMustChangePassword,
  kUnavailable,        ///< no server answered in time (or every server is marked down)
  kMisconfigured,      ///< the service account's bind was refused
};

struct SignInError {
  Refusal refusal = Refusal::kUnavailable;
  std::string detail;  ///< for the log: which server, which code; never the password
  bool busy = false;   ///< kUnavailable because every connection to the server was in use
  bool held = false;   ///< kLocked because BeforeBind refused the bind
};

/// How each server is doing, for /api/system/nodes and the metrics.
struct ServerHealth {
  std::string url;
  bool up = true;
  std::int64_t down_until_ms = 0;  ///< steady clock ms; 0 when up
  std::string last_error;
  std::size_t idle = 0;
  std::size_t in_use = 0;
};

/// Who an entry is, known before the user's bind when a service account searched for it.
struct Found {
  std::string external_id;
  std::string username;
};
/// Asked before the user's bind: false refuses it (Gatehouse's own lockout of that account,
/// whatever name was typed), and sign_in answers kLocked with SignInError::held.
using BeforeBind = std::function<bool(const Found&)>;

class Source {
 public:
  explicit Source(SourceOptions options);
  ~Source();

  /// Signs `login` in with `password`: finds the entry, binds as it, reads its id, attributes and
  /// groups. The password is checked by the directory only; never stored, never logged.
  Result<DirectoryUser, SignInError> sign_in(std::string_view login, std::string_view password,
                                             const BeforeBind& before_bind = {});

  /// Reads the entry whose id_attribute is `external_id` (as DirectoryUser::external_id has it)
  /// with the service account: an administrator's "sync now". kUnknownUser when it is gone,
  /// kMisconfigured without a service account (dn_template).
  Result<DirectoryUser, SignInError> find(std::string_view external_id);

  std::vector<ServerHealth> health() const;
  const SourceOptions& options() const { return options_; }

  struct Server;

 private:
  /// What one round looks for: an escaped filter (or, in direct-bind mode, the login name for the
  /// DN template), the password to bind with (none: read only) and the hook.
  struct Lookup {
    std::string filter;
    std::string login;
    const std::string* password = nullptr;
    const BeforeBind* before_bind = nullptr;
  };
  Result<DirectoryUser, SignInError> run(const Lookup& lookup);
  Result<DirectoryUser, SignInError> on_server(Server& server, const Lookup& lookup);
  Result<DirectoryUser, SignInError> to_user(const Entry& entry, std::vector<std::string> groups) const;
  Result<std::vector<std::string>, LdapError> read_groups(Connection& c, const Entry& entry) const;

  SourceOptions options_;
  std::vector<std::unique_ptr<Server>> servers_;
};

/// Active Directory's reason for a refused bind: the Win32 code after "data " in the server's
/// diagnostic message (525 no such user, 52e wrong password, 530/531 not permitted now/here,
/// 532 password expired, 533 disabled, 701 account expired, 773 must change, 775 locked).
std::optional<Refusal> active_directory_refusal(std::string_view diagnostic);

/// objectGUID's 16 bytes as 32 lower-case hex digits (the stable id of an AD user); other ids as
/// they are.
std::string external_id_text(std::string_view attribute, std::string_view value);

}  // namespace gatehouse::directory
