#pragma once
// The stores of a SQL backend over one connection pool, and SqlBackend's members. Each backend's
// *_backend.cpp includes this and instantiates SqlBackend for its connection type. Internal to
// storage/.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include "storage/api_key_store.hpp"
#include "storage/audit_store.hpp"
#include "storage/cas_ticket_store.hpp"
#include "storage/saml_state_store.hpp"
#include "storage/challenge_store.hpp"
#include "storage/client_store.hpp"
#include "storage/code_store.hpp"
#include "storage/counter_store.hpp"
#include "storage/event_store.hpp"
#include "storage/job_store.hpp"
#include "storage/key_store.hpp"
#include "storage/node_store.hpp"
#include "storage/passkey_store.hpp"
#include "storage/recovery_code_store.hpp"
#include "storage/refresh_token_store.hpp"
#include "storage/replay_store.hpp"
#include "storage/revocation_store.hpp"
#include "storage/settings_store.hpp"
#include "storage/sql_backend.hpp"
#include "storage/sso_session_store.hpp"
#include "storage/totp_store.hpp"
#include "storage/transaction_store.hpp"
#include "storage/user_store.hpp"

namespace gatehouse::storage {

template <class Connection>
struct SqlStores {
  SqlStores(typename ConnectionPool<Connection>::Opener open, std::size_t size, std::chrono::milliseconds wait,
            std::string label)
      : pool(std::move(open), size, wait, std::move(label)),
        clients(pool),
        api_keys(pool),
        keys(pool),
        revocations(pool),
        replays(pool),
        rate_counters(pool),
        audit(pool),
        settings(pool),
        users(pool),
        login_transactions(pool),
        sso_sessions(pool),
        codes(pool),
        refresh_tokens(pool),
        nodes(pool),
        events(pool),
        jobs(pool),
        totp(pool),
        recovery_codes(pool),
        passkeys(pool),
        webauthn_challenges(pool),
        cas_tickets(pool),
        cas_proxy_granting_tickets(pool),
        saml_artifacts(pool),
        saml_persistent_ids(pool),
        units(pool) {}

  ConnectionPool<Connection> pool;  // first: outlives every store
  SqlClientStore<Connection> clients;
  SqlApiKeyStore<Connection> api_keys;
  SqlKeyStore<Connection> keys;
  SqlRevocationStore<Connection> revocations;
  SqlReplayStore<Connection> replays;
  SqlCounterStore<Connection> rate_counters;
  SqlAuditStore<Connection> audit;
  SqlSettingsStore<Connection> settings;
  SqlUserStore<Connection> users;
  SqlTransactionStore<Connection> login_transactions;
  SqlSsoSessionStore<Connection> sso_sessions;
  SqlCodeStore<Connection> codes;
  SqlRefreshTokenStore<Connection> refresh_tokens;
  SqlNodeStore<Connection> nodes;
  SqlEventStore<Connection> events;
  SqlJobStore<Connection> jobs;
  SqlTotpStore<Connection> totp;
  SqlRecoveryCodeStore<Connection> recovery_codes;
  SqlPasskeyStore<Connection> passkeys;
  SqlChallengeStore<Connection> webauthn_challenges;
  SqlCasTicketStore<Connection> cas_tickets;
  SqlProxyGrantingTicketStore<Connection> cas_proxy_granting_tickets;
  SqlSamlArtifactStore<Connection> saml_artifacts;
  SqlSamlPersistentIdStore<Connection> saml_persistent_ids;
  PoolUnitOfWork<Connection> units;
};

template <class C>
SqlBackend<C>::SqlBackend(std::unique_ptr<SqlStores<C>> stores) : stores_(std::move(stores)) {}
template <class C>
SqlBackend<C>::~SqlBackend() = default;
template <class C>
ConnectionPool<C>& SqlBackend<C>::pool() { return stores_->pool; }

template <class C> client::ClientStore& SqlBackend<C>::clients() { return stores_->clients; }
template <class C> admin::ApiKeyStore& SqlBackend<C>::api_keys() { return stores_->api_keys; }
template <class C> admin::AuditStore& SqlBackend<C>::audit() { return stores_->audit; }
template <class C> keys::KeyStore& SqlBackend<C>::keys() { return stores_->keys; }
template <class C> token::RevocationStore& SqlBackend<C>::revocations() { return stores_->revocations; }
template <class C> token::ReplayStore& SqlBackend<C>::replays() { return stores_->replays; }
template <class C> limits::CounterStore& SqlBackend<C>::rate_counters() { return stores_->rate_counters; }
template <class C> settings::SettingsStore& SqlBackend<C>::settings() { return stores_->settings; }
template <class C> user::UserStore& SqlBackend<C>::users() { return stores_->users; }
template <class C> signin::TransactionStore& SqlBackend<C>::login_transactions() {
  return stores_->login_transactions;
}
template <class C> session::SsoSessionStore& SqlBackend<C>::sso_sessions() { return stores_->sso_sessions; }
template <class C> token::CodeStore& SqlBackend<C>::codes() { return stores_->codes; }
template <class C> token::RefreshTokenStore& SqlBackend<C>::refresh_tokens() { return stores_->refresh_tokens; }
template <class C> cluster::NodeStore& SqlBackend<C>::nodes() { return stores_->nodes; }
template <class C> cluster::EventStore& SqlBackend<C>::events() { return stores_->events; }
template <class C> cluster::JobStore& SqlBackend<C>::jobs() { return stores_->jobs; }
template <class C> mfa::TotpStore& SqlBackend<C>::totp() { return stores_->totp; }
template <class C> mfa::RecoveryCodeStore& SqlBackend<C>::recovery_codes() { return stores_->recovery_codes; }
template <class C> mfa::PasskeyStore& SqlBackend<C>::passkeys() { return stores_->passkeys; }
template <class C> mfa::ChallengeStore& SqlBackend<C>::webauthn_challenges() { return stores_->webauthn_challenges; }
template <class C> cas::TicketStore& SqlBackend<C>::cas_tickets() { return stores_->cas_tickets; }
template <class C> cas::ProxyGrantingTicketStore& SqlBackend<C>::cas_proxy_granting_tickets() {
  return stores_->cas_proxy_granting_tickets;
}
template <class C> saml::ArtifactStore& SqlBackend<C>::saml_artifacts() { return stores_->saml_artifacts; }
template <class C> saml::PersistentIdStore& SqlBackend<C>::saml_persistent_ids() { return stores_->saml_persistent_ids; }
template <class C> UnitOfWork& SqlBackend<C>::units() { return stores_->units; }

}  // namespace gatehouse::storage
