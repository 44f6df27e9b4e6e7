#pragma once
// Port: users and their failed-sign-in counters. Storage faults throw StorageError; "not found"
// is nullopt / false.

#include <optional>
#include <string>

#include "user/user.hpp"

namespace gatehouse::user {

/// Why an insert or update was refused.
enum class UserWriteResult {
  kOk,
  kNotFound,
  kUsernameTaken,
  kEmailTaken,
  kStale,
  kLinkTaken,  ///< insert: another account is linked to the same (source, external_id) already
};

class UserStore {
 public:
  virtual ~UserStore() = default;
  virtual std::optional<User> find(const std::string& id) = 0;
  /// Case-insensitive.
  virtual std::optional<User> find_by_username(const std::string& username) = 0;
  /// Ordered by username. total counts every user matching the filter.
  virtual UserPage list(const UserFilter& filter, std::size_t offset, std::size_t limit) = 0;
  /// The account linked to entry `external_id` of identity source `source` (both non-empty).
  virtual std::optional<User> find_linked(const std::string& source, const std::string& external_id) = 0;
  /// kUsernameTaken / kEmailTaken (and nothing written) when another user has them; kLinkTaken
  /// when another account is linked to the same entry (two first sign-ins at once).
  virtual UserWriteResult insert(const User& user) = 0;
  /// What the identity source says of a linked account at a sign-in: the profile (as update()
  /// writes it, without `active`), the username and the groups, whatever the version; the
  /// version moves on. Only while the account is still linked to user.source / user.external_id.
  /// kUsernameTaken / kEmailTaken (nothing written) when another user has them.
  virtual UserWriteResult refresh_linked(const User& user) = 0;
  /// Replaces the profile and `active` (every field but id, created_at, password_hash, version
  /// and tokens_valid_after) if the stored version is still `user.version`, the one the caller
  /// read; the stored version then moves on by one. kStale (nothing written) if it changed since.
  virtual UserWriteResult update(const User& user) = 0;
  /// Sets the password hash (an administrator's set or reset) and updated_at, and moves the
  /// version on (has_password and updated_at are part of what the API shows).
  /// @returns false if there is no such user.
  virtual bool set_password_hash(const std::string& id, const std::string& hash, UnixSeconds now) = 0;
  /// Replaces the hash only while it is still `old_hash` (the rehash after a sign-in, which must
  /// never put an old password back over one set meanwhile). @returns true if it replaced it.
  virtual bool rehash_password(const std::string& id, const std::string& old_hash, const std::string& new_hash) = 0;
  /// The user's own password change, which verified `old_hash`: sets the hash as
  /// set_password_hash() does (updated_at, version), in one write and only while the hash is
  /// still `old_hash`, so of two changes at once (a double click) one wins and neither undoes an
  /// administrator's reset made meanwhile. @returns true if it replaced it.
  virtual bool change_password_hash(const std::string& id, const std::string& old_hash, const std::string& new_hash,
                                    UnixSeconds now) = 0;
  /// Makes every token issued to the user before `t` invalid: tokens_valid_after becomes
  /// max(tokens_valid_after, t). The version stays. @returns false if there is no such user.
  virtual bool revoke_tokens_before(const std::string& id, UnixSeconds t) = 0;
  /// @returns false if there was no such user.
  virtual bool remove(const std::string& id) = 0;

  /// Failed sign-ins are counted per login name (the username in ASCII lower case), whether or not
  /// a user has that name, so an unknown username locks exactly like a real one and the lock
  /// message does not tell which usernames exist.
  ///
  /// Records one failed sign-in atomically: a new window starts when the last one is older than
  /// `window` seconds; reaching `threshold` failures locks the name until now + lock_seconds.
  /// @returns the counter after this failure. Safe when many nodes record at once.
  virtual FailedLogins record_failed_login(const std::string& login_name, UnixSeconds now, UnixSeconds window,
                                           int threshold, UnixSeconds lock_seconds) = 0;
  virtual FailedLogins failed_logins(const std::string& login_name) = 0;
  /// Clears the counter (a successful sign-in, or an administrator unlocking the account).
  virtual void reset_failed_logins(const std::string& login_name) = 0;
  /// Deletes at most `limit` counters whose window and lock have both passed. @returns how many.
  virtual std::size_t purge_failed_logins(UnixSeconds older_than, std::size_t limit) = 0;
};

}  // namespace gatehouse::user
