#pragma once
// Port: an identity source other than the local accounts (issue 16): a directory that checks a
// login name and password itself and says who the user is. The sign-in asks the local accounts
// first, then the sources in their configured order (signin/steps/password.cpp); the admin API's
// "sync now" reads a linked account's entry again. directory/ implements it for LDAP and Active
// Directory (wired in app/).

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace gatehouse::user {

/// A user as the source has them.
struct ExternalAccount {
  std::string external_id;                    ///< stable, never reused (entryUUID, objectGUID as hex)
  std::string username;                       ///< the account's username in Gatehouse
  std::map<std::string, std::string> claims;  ///< profile claims (email, name, given_name, ...)
  bool email_verified = false;                ///< the source vouches for the email
  std::vector<std::string> groups;            ///< sorted
};

/// Why a source did not sign a user in. Only kUnknownUser lets the next source be asked.
enum class SourceRefusal {
  kUnknownUser,         ///< no such login name here
  kWrongPassword,
  kDisabled,            ///< the source says the account may not sign in (disabled, expired, not now)
  kLocked,              ///< the source locked the account (too many failures there)
  kPasswordExpired,
  kMustChangePassword,
  kUnavailable,         ///< the source did not answer in time (every server down or busy)
  kMisconfigured,       ///< the source refused Gatehouse itself (its service account)
};

/// Asked with who the entry of the name typed is (external_id and username), before the password
/// is sent to the source: false refuses the sign-in there (SourceRefusal::kLocked), so that a lock
/// of the account holds whatever spelling of its name was typed. Not asked when the source cannot
/// know the entry before the bind (a DN template).
using BeforeBind = std::function<bool(const ExternalAccount& who)>;

/// Thread safety: every method may be called from any number of threads at once.
class IdentitySource {
 public:
  virtual ~IdentitySource() = default;
  /// The [[identity_sources]] name: on linked accounts and in the audit trail.
  virtual const std::string& name() const = 0;
  /// Checks `password` for `login`; never stores or logs it. Bounded in time by the source's timeouts.
  virtual Result<ExternalAccount, SourceRefusal> sign_in(std::string_view login, std::string_view password,
                                                         const BeforeBind& before_bind) = 0;
  /// Reads the entry linked as `external_id` without a password (an administrator's "sync now"):
  /// kUnknownUser when it is gone, kDisabled when the source disabled it.
  virtual Result<ExternalAccount, SourceRefusal> find(std::string_view external_id) = 0;
};

}  // namespace gatehouse::user
