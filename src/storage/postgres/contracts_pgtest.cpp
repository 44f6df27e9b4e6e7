// Every storage contract suite on PostgreSQL, each test on a fresh schema of its own. One
// translation unit for all of them: each suite is a header of tests, and compiling GoogleTest once
// instead of ten times keeps the build short.
#include "admin/testing/api_key_store_contract.hpp"
#include "admin/testing/audit_store_contract.hpp"
#include "client/testing/client_store_contract.hpp"
#include "cluster/testing/event_store_contract.hpp"
#include "cluster/testing/job_store_contract.hpp"
#include "cluster/testing/node_store_contract.hpp"
#include "keys/testing/key_store_contract.hpp"
#include "session/testing/sso_session_store_contract.hpp"
#include "settings/testing/settings_store_contract.hpp"
#include "signin/testing/transaction_store_contract.hpp"
#include "token/testing/code_store_contract.hpp"
#include "token/testing/refresh_token_store_contract.hpp"
#include "limits/testing/counter_store_contract.hpp"
#include "token/testing/replay_store_contract.hpp"
#include "token/testing/revocation_store_contract.hpp"
#include "user/testing/user_store_contract.hpp"

#include "storage/postgres/test_backends.hpp"

namespace gatehouse::storage::postgres::test {
namespace {

// INSTANTIATE_TEST_SUITE_P takes the suite name unqualified.
using client::testing::ClientStoreContract;
using admin::testing::ApiKeyStoreContract;
using admin::testing::AuditStoreContract;
using keys::testing::KeyStoreContract;
using settings::testing::SettingsStoreContract;
using user::testing::UserStoreContract;
using token::testing::RevocationStoreContract;
using token::testing::ReplayStoreContract;
using limits::testing::CounterStoreContract;
using signin::testing::TransactionStoreContract;
using session::testing::SsoSessionStoreContract;
using token::testing::CodeStoreContract;
using token::testing::RefreshTokenStoreContract;
using cluster::testing::NodeStoreContract;
using cluster::testing::EventStoreContract;
using cluster::testing::JobStoreContract;

std::shared_ptr<token::testing::GrantStores> grant_stores(std::shared_ptr<OpenBackend> open) {
  struct Holder {
    std::shared_ptr<OpenBackend> open;
    token::testing::GrantStores stores;
  };
  auto& b = *open->backend;
  auto holder = std::make_shared<Holder>(
      Holder{std::move(open), token::testing::GrantStores{b.refresh_tokens(), b.revocations(), b.codes()}});
  return std::shared_ptr<token::testing::GrantStores>(holder, &holder->stores);
}

// The suffix names the backend's shape, as SQLite's "Memory" and "File" do.
#define GH_PG_STORE(Store, accessor) \
  [] { return store_of<Store, &PostgresBackend::accessor>(open_backend()); }

INSTANTIATE_TEST_SUITE_P(Postgres, ClientStoreContract,
                         ::testing::Values(client::testing::ClientStoreBackend{
                             "Schema", GH_PG_STORE(client::ClientStore, clients)}),
                         client::testing::backend_name);

INSTANTIATE_TEST_SUITE_P(Postgres, ApiKeyStoreContract,
                         ::testing::Values(admin::testing::ApiKeyStoreBackend{
                             "Schema", GH_PG_STORE(admin::ApiKeyStore, api_keys)}),
                         admin::testing::backend_name);

INSTANTIATE_TEST_SUITE_P(Postgres, AuditStoreContract,
                         ::testing::Values(admin::testing::AuditStoreBackend{
                             "Schema", GH_PG_STORE(admin::AuditStore, audit)}),
                         admin::testing::audit_backend_name);

INSTANTIATE_TEST_SUITE_P(Postgres, KeyStoreContract,
                         ::testing::Values(keys::testing::KeyStoreBackend{"Schema", GH_PG_STORE(keys::KeyStore, keys)}),
                         keys::testing::backend_name);

INSTANTIATE_TEST_SUITE_P(Postgres, SettingsStoreContract,
                         ::testing::Values(settings::testing::SettingsStoreBackend{
                             "Schema", GH_PG_STORE(settings::SettingsStore, settings)}),
                         settings::testing::backend_name);

INSTANTIATE_TEST_SUITE_P(Postgres, UserStoreContract,
                         ::testing::Values(user::testing::UserStoreBackend{"Schema", GH_PG_STORE(user::UserStore, users)}),
                         user::testing::backend_name);

INSTANTIATE_TEST_SUITE_P(Postgres, RevocationStoreContract,
                         ::testing::Values(token::testing::RevocationStoreBackend{
                             "Schema", GH_PG_STORE(token::RevocationStore, revocations)}),
                         token::testing::backend_name);

INSTANTIATE_TEST_SUITE_P(Postgres, ReplayStoreContract,
                         ::testing::Values(token::testing::ReplayStoreBackend{
                             "Schema", GH_PG_STORE(token::ReplayStore, replays)}),
                         token::testing::replay_backend_name);

INSTANTIATE_TEST_SUITE_P(Postgres, CounterStoreContract,
                         ::testing::Values(limits::testing::CounterStoreBackend{
                             "Schema", GH_PG_STORE(limits::CounterStore, rate_counters)}),
                         limits::testing::counter_backend_name);

INSTANTIATE_TEST_SUITE_P(Postgres, TransactionStoreContract,
                         ::testing::Values(signin::testing::TransactionStoreBackend{
                             "Schema", GH_PG_STORE(signin::TransactionStore, login_transactions)}),
                         signin::testing::transaction_backend_name);

INSTANTIATE_TEST_SUITE_P(Postgres, SsoSessionStoreContract,
                         ::testing::Values(session::testing::SsoSessionStoreBackend{
                             "Schema", GH_PG_STORE(session::SsoSessionStore, sso_sessions)}),
                         session::testing::sso_session_backend_name);

INSTANTIATE_TEST_SUITE_P(Postgres, CodeStoreContract,
                         ::testing::Values(token::testing::CodeStoreBackend{"Schema", GH_PG_STORE(token::CodeStore, codes)}),
                         token::testing::code_backend_name);

INSTANTIATE_TEST_SUITE_P(Postgres, RefreshTokenStoreContract,
                         ::testing::Values(token::testing::RefreshTokenStoreBackend{
                             "Schema", [] { return grant_stores(open_backend()); }}),
                         token::testing::refresh_backend_name);

INSTANTIATE_TEST_SUITE_P(Postgres, NodeStoreContract,
                         ::testing::Values(cluster::testing::NodeStoreBackend{"Schema", GH_PG_STORE(cluster::NodeStore, nodes)}),
                         cluster::testing::backend_name);

INSTANTIATE_TEST_SUITE_P(Postgres, EventStoreContract,
                         ::testing::Values(cluster::testing::EventStoreBackend{
                             "Schema", GH_PG_STORE(cluster::EventStore, events)}),
                         cluster::testing::event_backend_name);

INSTANTIATE_TEST_SUITE_P(Postgres, JobStoreContract,
                         ::testing::Values(cluster::testing::JobStoreBackend{"Schema", GH_PG_STORE(cluster::JobStore, jobs)}),
                         cluster::testing::job_backend_name);

#undef GH_PG_STORE

}  // namespace
}  // namespace gatehouse::storage::postgres::test
