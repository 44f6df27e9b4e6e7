// token::RevocationStore contract on SQLite (":memory:" and a file).
#include "token/testing/revocation_store_contract.hpp"

#include "storage/sqlite/test_backends.hpp"

namespace gatehouse::storage::sqlite::test {
namespace {

using token::RevocationStore;
using token::testing::RevocationStoreBackend;
using token::testing::RevocationStoreContract;

INSTANTIATE_TEST_SUITE_P(
    Sqlite, RevocationStoreContract,
    ::testing::Values(
        RevocationStoreBackend{"Memory",
                               [] { return store_of<RevocationStore, &SqliteBackend::revocations>(open_memory_backend()); }},
        RevocationStoreBackend{"File",
                               [] { return store_of<RevocationStore, &SqliteBackend::revocations>(open_file_backend()); }}),
    token::testing::backend_name);

}  // namespace
}  // namespace gatehouse::storage::sqlite::test
