#pragma once
// What SqliteBackend and PostgresBackend share: every port served by one store over one
// connection pool. The stores (SqlStores, sql_stores.hpp) stay out of this header, so the
// composition root that names a backend does not compile them. Internal to storage/.

#include <memory>

#include "storage/backend.hpp"
#include "storage/connection_pool.hpp"

namespace gatehouse::storage {

template <class Connection>
struct SqlStores;

/// Thread safety: as Backend. The stores live as long as the backend.
template <class Connection>
class SqlBackend : public Backend {
 public:
  client::ClientStore& clients() final;
  admin::ApiKeyStore& api_keys() final;
  admin::AuditStore& audit() final;
  keys::KeyStore& keys() final;
  token::RevocationStore& revocations() final;
  token::ReplayStore& replays() final;
  limits::CounterStore& rate_counters() final;
  settings::SettingsStore& settings() final;
  user::UserStore& users() final;
  signin::TransactionStore& login_transactions() final;
  session::SsoSessionStore& sso_sessions() final;
  token::CodeStore& codes() final;
  token::RefreshTokenStore& refresh_tokens() final;
  cluster::NodeStore& nodes() final;
  cluster::EventStore& events() final;
  cluster::JobStore& jobs() final;
  mfa::TotpStore& totp() final;
  mfa::RecoveryCodeStore& recovery_codes() final;
  mfa::PasskeyStore& passkeys() final;
  mfa::ChallengeStore& webauthn_challenges() final;
  cas::TicketStore& cas_tickets() final;
  cas::ProxyGrantingTicketStore& cas_proxy_granting_tickets() final;
  saml::ArtifactStore& saml_artifacts() final;
  saml::PersistentIdStore& saml_persistent_ids() final;
  UnitOfWork& units() final;

 protected:
  explicit SqlBackend(std::unique_ptr<SqlStores<Connection>> stores);
  ~SqlBackend() override;
  SqlBackend(const SqlBackend&) = delete;
  SqlBackend& operator=(const SqlBackend&) = delete;
  ConnectionPool<Connection>& pool();

 private:
  std::unique_ptr<SqlStores<Connection>> stores_;
};

}  // namespace gatehouse::storage
