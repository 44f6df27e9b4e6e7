#pragma once
// Port: pending authorization requests ("login transactions"). The authorization endpoint stores
// the validated request here before it shows the login form, so the form can be posted to any
// node, even after the node that rendered it has restarted or died (DESIGN.md: no sticky sessions).

#include <cstddef>
#include <optional>
#include <string>

#include "core/clock.hpp"

namespace gatehouse::session {

struct LoginTransaction {
  std::string id;                     // random; travels in the login form
  std::string csrf_hash;              // keyed hash of the CSRF token bound to the browser
  std::string client_id;
  std::string redirect_uri;
  std::string response_type;
  std::string response_mode;
  std::string scope;
  std::string state;
  std::string nonce;
  std::string code_challenge;
  std::string code_challenge_method;
  std::string prompt;
  std::string login_hint;
  std::optional<UnixSeconds> max_age;
  UnixSeconds created_at = 0;
  UnixSeconds expires_at = 0;
};

class LoginTransactionStore {
 public:
  virtual ~LoginTransactionStore() = default;
  virtual void insert(const LoginTransaction& tx) = 0;
  /// The transaction if it exists and has not expired at `now`.
  virtual std::optional<LoginTransaction> find(const std::string& id, UnixSeconds now) = 0;
  /// Deletes the transaction. @returns true for exactly one caller when several race, so a
  /// login form is completed once.
  virtual bool consume(const std::string& id) = 0;
  /// Deletes at most `limit` transactions that expired before `now`. @returns how many.
  virtual std::size_t purge_expired(UnixSeconds now, std::size_t limit) = 0;
};

}  // namespace gatehouse::session
