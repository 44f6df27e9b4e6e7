#pragma once
// token::RefreshTokenStore on SQL: declared once for both backends. Each backend defines the member functions for
// its own connection type in storage/<backend>/refresh_token_store.cpp (explicit specializations), in its dialect.

#include "token/refresh_token_store.hpp"
#include "storage/connection_pool.hpp"

namespace gatehouse::storage {

/// How long a revoked grant is remembered (both backends), so tokens a racing request issues from
/// it later are born revoked. Longer than any refresh token lives.
inline constexpr UnixSeconds kRevokedGrantMemory = 400 * 24 * 3600;

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
