// SAML state contracts on PostgreSQL: artifacts and persistent NameIDs
// (storage/saml_state_store.hpp, migration 0019), each test on a fresh schema of its own.
#include "saml/testing/state_store_contract.hpp"

#include "storage/postgres/test_backends.hpp"

namespace gatehouse::storage::postgres::test {
namespace {

using namespace saml::testing;

template <class Store, auto Accessor>
auto on_postgres() {
  return ::testing::Values(
      contract::StoreBackend<Store>{"Schema", [] { return store_of<Store, Accessor>(open_backend()); }});
}

INSTANTIATE_TEST_SUITE_P(Postgres, ArtifactStoreContract, (on_postgres<saml::ArtifactStore, &PostgresBackend::saml_artifacts>()),
                         artifact_backend_name);
INSTANTIATE_TEST_SUITE_P(Postgres, PersistentIdStoreContract,
                         (on_postgres<saml::PersistentIdStore, &PostgresBackend::saml_persistent_ids>()),
                         persistent_id_backend_name);

}  // namespace
}  // namespace gatehouse::storage::postgres::test
