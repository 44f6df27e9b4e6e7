// CAS ticket registry contracts on PostgreSQL: service and proxy tickets, proxy-granting tickets
// (storage/cas_ticket_store.hpp, migration 0017), each test on a fresh schema of its own.
#include "cas/testing/proxy_granting_ticket_store_contract.hpp"
#include "cas/testing/ticket_store_contract.hpp"

#include "storage/postgres/test_backends.hpp"

namespace gatehouse::storage::postgres::test {
namespace {

using namespace cas::testing;

/// The store `Accessor` picks out of a backend on a fresh schema (the suffix names the backend's
/// shape, as in contracts_pgtest.cpp).
template <class Store, auto Accessor>
auto on_postgres() {
  return ::testing::Values(
      contract::StoreBackend<Store>{"Schema", [] { return store_of<Store, Accessor>(open_backend()); }});
}

INSTANTIATE_TEST_SUITE_P(Postgres, TicketStoreContract, (on_postgres<cas::TicketStore, &PostgresBackend::cas_tickets>()),
                         ticket_backend_name);
INSTANTIATE_TEST_SUITE_P(Postgres, ProxyGrantingTicketStoreContract,
                         (on_postgres<cas::ProxyGrantingTicketStore, &PostgresBackend::cas_proxy_granting_tickets>()),
                         pgt_backend_name);

}  // namespace
}  // namespace gatehouse::storage::postgres::test
