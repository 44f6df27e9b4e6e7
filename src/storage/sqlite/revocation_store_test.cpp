// token::RevocationStore and token::ReplayStore contracts on SQLite (":memory:" and a file).
#include "limits/testing/counter_store_contract.hpp"
#include "token/testing/replay_store_contract.hpp"
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

using token::ReplayStore;
using token::testing::ReplayStoreBackend;
using token::testing::ReplayStoreContract;

INSTANTIATE_TEST_SUITE_P(
    Sqlite, ReplayStoreContract,
    ::testing::Values(
        ReplayStoreBackend{"Memory", [] { return store_of<ReplayStore, &SqliteBackend::replays>(open_memory_backend()); }},
        ReplayStoreBackend{"File", [] { return store_of<ReplayStore, &SqliteBackend::replays>(open_file_backend()); }}),
    token::testing::replay_backend_name);

using limits::CounterStore;
using limits::testing::CounterStoreBackend;
using limits::testing::CounterStoreContract;

INSTANTIATE_TEST_SUITE_P(
    Sqlite, CounterStoreContract,
    ::testing::Values(
        CounterStoreBackend{"Memory", [] { return store_of<CounterStore, &SqliteBackend::rate_counters>(open_memory_backend()); }},
        CounterStoreBackend{"File", [] { return store_of<CounterStore, &SqliteBackend::rate_counters>(open_file_backend()); }}),
    limits::testing::counter_backend_name);

}  // namespace
}  // namespace gatehouse::storage::sqlite::test
