#pragma once
// Port: authorization codes (RFC 6749 §4.1.2). Only a hash of each code is stored. A code is
// consumed atomically in the store — one conditional update that succeeds for exactly one caller
// on any node — and a second redemption is reported so every token issued from it can be revoked
// (RFC 9700 §4.5.3 / RFC 6749 §4.1.2).

#include <cstddef>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "token/sign_in_facts.hpp"

namespace gatehouse::token {

struct AuthorizationCode {
  std::string code_hash;
  std::string grant_id;       // ties together every token issued from this code
  std::string client_id;
  std::string redirect_uri;
  std::string user_id;
  std::string scope;
  std::string nonce;
  std::string code_challenge;
  std::string code_challenge_method;
  SignInFacts sign_in;
  UnixSeconds created_at = 0;
  UnixSeconds expires_at = 0;
};

class CodeStore {
 public:
  virtual ~CodeStore() = default;
  virtual void insert(const AuthorizationCode& code) = 0;
  /// The stored code, used or not, expired or not (purged: nullopt). Reading it changes nothing,
  /// so the token endpoint can check who presents it before mark_used() spends it.
  virtual std::optional<AuthorizationCode> find(const std::string& code_hash) = 0;
  /// Spends the code at `now`: one conditional update, true for exactly one caller on any node,
  /// and only while the code is unused and not expired at `now`. False when it was used, expired
  /// or unknown; the caller, which read it with find() first, tells which (a second redemption
  /// revokes its grant).
  virtual bool mark_used(const std::string& code_hash, UnixSeconds now) = 0;
  /// Deletes at most `limit` codes that expired before `now`. @returns how many.
  virtual std::size_t purge_expired(UnixSeconds now, std::size_t limit) = 0;
};

}  // namespace gatehouse::token
