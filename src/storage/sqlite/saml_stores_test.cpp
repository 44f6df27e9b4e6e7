// SAML state contracts on SQLite (":memory:" and a file): artifacts and persistent NameIDs
// (storage/saml_state_store.hpp, migration 0019).
#include "saml/testing/state_store_contract.hpp"

#include "storage/sqlite/test_backends.hpp"

namespace gatehouse::storage::sqlite::test {
namespace {

using namespace saml::testing;

template <class Store, auto Accessor>
auto both_backends() {
  using Backend = contract::StoreBackend<Store>;
  return ::testing::Values(Backend{"Memory", [] { return store_of<Store, Accessor>(open_memory_backend()); }},
                           Backend{"File", [] { return store_of<Store, Accessor>(open_file_backend()); }});
}

INSTANTIATE_TEST_SUITE_P(Sqlite, ArtifactStoreContract, (both_backends<saml::ArtifactStore, &SqliteBackend::saml_artifacts>()),
                         artifact_backend_name);
INSTANTIATE_TEST_SUITE_P(Sqlite, PersistentIdStoreContract,
                         (both_backends<saml::PersistentIdStore, &SqliteBackend::saml_persistent_ids>()),
                         persistent_id_backend_name);

}  // namespace
}  // namespace gatehouse::storage::sqlite::test
