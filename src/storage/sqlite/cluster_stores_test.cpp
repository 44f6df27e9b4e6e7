// The cluster ports' contracts on SQLite (":memory:" and a file), and the events its triggers
// write in the transaction of each change.
#include "cluster/testing/event_store_contract.hpp"
#include "cluster/testing/job_store_contract.hpp"
#include "cluster/testing/node_store_contract.hpp"

#include <ctime>

#include "storage/sqlite/test_backends.hpp"

namespace gatehouse::storage::sqlite::test {
namespace {

using cluster::EventStore;
using cluster::JobStore;
using cluster::NodeStore;
using namespace cluster::testing;

INSTANTIATE_TEST_SUITE_P(
    Sqlite, NodeStoreContract,
    ::testing::Values(NodeStoreBackend{"Memory", [] { return store_of<NodeStore, &SqliteBackend::nodes>(open_memory_backend()); }},
                      NodeStoreBackend{"File", [] { return store_of<NodeStore, &SqliteBackend::nodes>(open_file_backend()); }}),
    cluster::testing::backend_name);

INSTANTIATE_TEST_SUITE_P(
    Sqlite, EventStoreContract,
    ::testing::Values(EventStoreBackend{"Memory", [] { return store_of<EventStore, &SqliteBackend::events>(open_memory_backend()); }},
                      EventStoreBackend{"File", [] { return store_of<EventStore, &SqliteBackend::events>(open_file_backend()); }}),
    cluster::testing::event_backend_name);

INSTANTIATE_TEST_SUITE_P(
    Sqlite, JobStoreContract,
    ::testing::Values(JobStoreBackend{"Memory", [] { return store_of<JobStore, &SqliteBackend::jobs>(open_memory_backend()); }},
                      JobStoreBackend{"File", [] { return store_of<JobStore, &SqliteBackend::jobs>(open_file_backend()); }}),
    cluster::testing::job_backend_name);

std::vector<std::string> events_after(SqliteBackend& b, std::int64_t after) {
  std::vector<std::string> out;
  for (const auto& e : b.events().read_after(after, 100)) out.push_back(e.kind + ":" + e.key);
  return out;
}

TEST(SqliteClusterEvents, EveryChangeOtherNodesMustSeeRecordsAnEventInItsOwnTransaction) {
  auto open = open_memory_backend();
  auto& b = *open->backend;
  const auto start = b.events().latest_seq();
  client::Client c;
  c.client_id = "app";
  c.token_endpoint_auth_method = "none";
  c.access_token_signed_response_alg = "RS256";
  ASSERT_TRUE(b.clients().insert(c));
  c.client_name = "renamed";
  ASSERT_EQ(b.clients().update(c), client::UpdateResult::kOk);
  ASSERT_TRUE(b.clients().remove("app"));
  user::User u;
  u.id = "u1";
  u.username = "ada";
  ASSERT_EQ(b.users().insert(u), user::UserWriteResult::kOk);
  u.name = "Ada";
  ASSERT_EQ(b.users().update(u), user::UserWriteResult::kOk);
  ASSERT_TRUE(b.users().remove("u1"));
  ASSERT_TRUE(b.settings().insert_if_absent("theme", "x"));
  const auto now = static_cast<UnixSeconds>(std::time(nullptr));
  b.sso_sessions().insert({"hash-1", "sid-live", "u2", now, "pwd", now, now, now + 3600});
  ASSERT_TRUE(b.sso_sessions().revoke_by_sid("sid-live"));
  b.sso_sessions().insert({"hash-2", "sid-expired", "u2", now - 7200, "pwd", now - 7200, now - 7200, now - 3600});
  EXPECT_EQ(b.sso_sessions().purge_expired(now, 100), 1u);
  EXPECT_EQ(events_after(b, start),
            (std::vector<std::string>{"client:app", "client:app", "client:app", "user:u1", "user:u1", "setting:theme",
                                      "session:sid-live"}))
      << "a new user is no news (nothing caches it); an expired session's purge is none either";
  // A change that fails writes no event.
  const auto before = b.events().latest_seq();
  EXPECT_EQ(b.clients().update(c), client::UpdateResult::kNotFound) << "the client is gone";
  EXPECT_EQ(b.events().latest_seq(), before);
}

}  // namespace
}  // namespace gatehouse::storage::sqlite::test
