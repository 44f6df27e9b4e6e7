#pragma once
// Port: users and their failed-sign-in counters. Storage faults throw StorageError; "not found"
// is nullopt / false.

#include <optional>
#include <string>

#include "user/user.hpp"

namespace gatehouse::user {

/// Why an insert or update was refused.
enum class UserWriteResult { kOk, kNotFound, kUsernameTaken, kEmailTaken };

class UserStore {
 public:
  virtual ~UserStore() = default;
  virtual std::optional<User> find(const std::string& id) = 0;
  /// Case-insensitive.
  virtual std::optional<User> find_by_username(const std::string& username) = 0;
  /// Ordered by username. total counts every user matching the filter.
  virtual UserPage list(const UserFilter& filter, std::size_t offset, std::size_t limit) = 0;
  /// kUsernameTaken / kEmailTaken (and nothing written) when another user has them.
  virtual UserWriteResult insert(const User& user) = 0;
  /// Replaces every field but id and created_at (the password hash included).
  virtual UserWriteResult update(const User& user) = 0;
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
