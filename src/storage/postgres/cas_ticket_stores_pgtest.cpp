// CAS ticket registry contracts on PostgreSQL: service and proxy tickets, proxy-granting tickets
// (storage/cas_ticket_store.hpp, migration 0017), each test on a fresh schema of its own.
#include "cas/testing/proxy_granting_ticket_store_contract.hpp"
#include "cas/testing/ticket_store_contract.hpp"

#include "core/request_stats.hpp"
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

// A validation spends its ticket in one exchange with the server (issue 13: one store round trip
// per validation), whether it wins, loses or finds the ticket expired.
TEST(PostgresCasTickets, ConsumeIsOneRoundTrip) {
  auto open = open_backend();
  auto& tickets = open->backend->cas_tickets();
  tickets.consume("warm-up", 1000);  // prepares the statement on the (one, reused) connection
  tickets.insert(cas::Ticket{.id_hash = "st-1", .service = "https://app.example.com/", .expires_at = 1010});
  tickets.insert(cas::Ticket{.id_hash = "st-2", .service = "https://app.example.com/", .expires_at = 1010});
  auto start = stats::store_round_trips;
  EXPECT_TRUE(tickets.consume("st-1", 1000));
  EXPECT_EQ(stats::store_round_trips - start, 1u) << "the winner";
  start = stats::store_round_trips;
  EXPECT_FALSE(tickets.consume("st-1", 1000));
  EXPECT_EQ(stats::store_round_trips - start, 1u) << "a reuse";
  start = stats::store_round_trips;
  EXPECT_FALSE(tickets.consume("st-2", 1010));
  EXPECT_EQ(stats::store_round_trips - start, 1u) << "an expired ticket";
}

}  // namespace
}  // namespace gatehouse::storage::postgres::test
