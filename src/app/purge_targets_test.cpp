// The job "purge.expired" reaches every kind of expiring data, the WebAuthn challenges and the CAS
// tickets included.

#include <gtest/gtest.h>

#include "app/wiring.hpp"
#include "cluster/purge.hpp"
#include "core/clock.hpp"
#include "storage/sqlite/sqlite_backend.hpp"

namespace gatehouse::app {
namespace {

TEST(PurgeTargets, TheJobPurgesExpiredWebauthnChallenges) {
  storage::sqlite::SqliteBackend backend(storage::sqlite::SqliteOptions{.path = ":memory:"});
  backend.migrate();
  backend.webauthn_challenges().insert(mfa::Challenge{"old", "register", "u1", "", 1500});
  backend.webauthn_challenges().insert(mfa::Challenge{"live", "register", "u1", "", 3000});
  FixedClock clock(2000);
  EXPECT_EQ(cluster::purge_in_batches(purge_targets(backend, clock)), "purged 1 WebAuthn challenges");
  EXPECT_EQ(backend.webauthn_challenges().purge_expired(2000, 10), 0u) << "the expired one is gone";
  EXPECT_TRUE(backend.webauthn_challenges().consume("live", 2000));
}

TEST(PurgeTargets, TheJobPurgesExpiredCasTickets) {
  storage::sqlite::SqliteBackend backend(storage::sqlite::SqliteOptions{.path = ":memory:"});
  backend.migrate();
  auto ticket = [](std::string id_hash, UnixSeconds expires_at) {
    return cas::Ticket{.id_hash = std::move(id_hash), .service = "https://app.example.com/", .expires_at = expires_at};
  };
  auto pgt = [](std::string id_hash, UnixSeconds expires_at) {
    return cas::ProxyGrantingTicket{.id_hash = std::move(id_hash), .sign_in = {"sid", 1000, "pwd"}, .expires_at = expires_at};
  };
  backend.cas_tickets().insert(ticket("st-old", 1500));
  backend.cas_tickets().insert(ticket("st-live", 3000));
  backend.cas_proxy_granting_tickets().insert(pgt("pgt-old-1", 1200));
  backend.cas_proxy_granting_tickets().insert(pgt("pgt-old-2", 1900));
  backend.cas_proxy_granting_tickets().insert(pgt("pgt-live", 3000));
  FixedClock clock(2000);
  EXPECT_EQ(cluster::purge_in_batches(purge_targets(backend, clock)),
            "purged 1 CAS tickets, 2 CAS proxy-granting tickets");
  EXPECT_EQ(backend.cas_tickets().purge_expired(2000, 10), 0u) << "the expired one is gone";
  EXPECT_EQ(backend.cas_proxy_granting_tickets().purge_expired(2000, 10), 0u);
  EXPECT_TRUE(backend.cas_tickets().consume("st-live", 2000));
  EXPECT_TRUE(backend.cas_proxy_granting_tickets().find("pgt-live", 2000));
}

}  // namespace
}  // namespace gatehouse::app
