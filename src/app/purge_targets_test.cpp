// The job "purge.expired" reaches every kind of expiring data, the WebAuthn challenges included.

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

}  // namespace
}  // namespace gatehouse::app
