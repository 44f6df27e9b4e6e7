// CAS ticket registry contracts on SQLite (":memory:" and a file): service and proxy tickets,
// proxy-granting tickets (storage/cas_ticket_store.hpp, migration 0017).
#include "cas/testing/proxy_granting_ticket_store_contract.hpp"
#include "cas/testing/ticket_store_contract.hpp"

#include "storage/sqlite/test_backends.hpp"

namespace gatehouse::storage::sqlite::test {
namespace {

using namespace cas::testing;

/// The ":memory:" and file variants of the store `Accessor` picks.
template <class Store, auto Accessor>
auto both_backends() {
  using Backend = contract::StoreBackend<Store>;
  return ::testing::Values(Backend{"Memory", [] { return store_of<Store, Accessor>(open_memory_backend()); }},
                           Backend{"File", [] { return store_of<Store, Accessor>(open_file_backend()); }});
}

INSTANTIATE_TEST_SUITE_P(Sqlite, TicketStoreContract, (both_backends<cas::TicketStore, &SqliteBackend::cas_tickets>()),
                         ticket_backend_name);
INSTANTIATE_TEST_SUITE_P(Sqlite, ProxyGrantingTicketStoreContract,
                         (both_backends<cas::ProxyGrantingTicketStore, &SqliteBackend::cas_proxy_granting_tickets>()),
                         pgt_backend_name);

}  // namespace
}  // namespace gatehouse::storage::sqlite::test
