#pragma once
// token::RefreshTokenStore on SQL, declared once for both backends. Each backend defines the member
// functions for its own connection type (explicit specializations) in
// storage/<backend>/refresh_token_store.cpp, in its own dialect.

#include <cstdint>
#include <optional>

#include "token/refresh_token_store.hpp"
#include "storage/connection_pool.hpp"
#include "storage/sign_in_facts.hpp"

namespace gatehouse::storage {

/// A refresh_tokens row in the column order both backends' token queries share: token_hash,
/// grant_id, client_id, user_id, scope, sid, auth_time, amr, created_at, expires_at. `Row` is
/// sqlite::Statement or postgres::Row.
template <class Row>
token::RefreshToken refresh_token_from_row(const Row& r) {
  return token::RefreshToken{r.blob(0), r.text(1), r.text(2), r.text(3), r.text(4),
                             sign_in_from_row(r, 5), r.int64(8), r.int64(9)};
}

/// The same columns as parameters $1 ... $10 (grant_id: any bytes, bytea on PostgreSQL and TEXT on
/// SQLite). `Params` is postgres::Params or sqlite::Binder.
template <class Params>
Params& refresh_token_params(Params& p, const token::RefreshToken& t) {
  p.bytea(t.token_hash).any_text(t.grant_id).text(t.client_id).text(t.user_id).text(t.scope);
  return sign_in_params(p, t.sign_in).int8(t.created_at).int8(t.expires_at);
}

/// How long a revoked grant is remembered (both backends), so tokens a racing request issues from
/// it later are born revoked. Longer than any refresh token lives.
inline constexpr UnixSeconds kRevokedGrantMemory = 400 * 24 * 3600;

/// rotate()'s answer for a presented token the store did not rotate, from what its row held
/// (both backends decide alike; how they read and write differs): kGrace if it was rotated
/// within `grace` of now (previous_response kept), else previous_response cleared and kRevoked
/// if revoked, kReplayed if rotated earlier (the caller then revokes the grant), or nullopt if
/// neither (the caller decides).
inline std::optional<token::RotateOutcome> spent_outcome(token::RotateResult& result, bool revoked,
                                                         std::optional<std::int64_t> rotated_at, UnixSeconds now,
                                                         UnixSeconds grace) {
  if (!revoked && rotated_at && now - *rotated_at <= grace) return token::RotateOutcome::kGrace;
  result.previous_response.clear();
  if (revoked) return token::RotateOutcome::kRevoked;
  if (rotated_at) return token::RotateOutcome::kReplayed;
  return std::nullopt;
}

template <class Connection>
class SqlRefreshTokenStore final : public token::RefreshTokenStore {
 public:
  explicit SqlRefreshTokenStore(ConnectionPool<Connection>& pool) : pool_(pool) {}
  void insert(const token::RefreshToken& token) override;
  token::RotateResult rotate(const std::string& presented_hash, const token::RefreshToken& successor,
                             const std::string& sealed_response, UnixSeconds now, UnixSeconds grace) override;
  std::optional<token::RefreshToken> find_active(const std::string& token_hash, UnixSeconds now) override;
  void record_access_token(const std::string& grant_id, const std::string& jti, UnixSeconds expires_at) override;
  std::size_t revoke_grant(const std::string& grant_id, UnixSeconds now) override;
  std::size_t revoke_user_grants(const std::string& user_id, UnixSeconds now) override;
  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override;


 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
