// PostgresBackend itself, against a real server: migrations under concurrency, schemas, the
// connection pool healing after the server ends a connection, binary values, error messages,
// and the atomic operations raced from two backends (two nodes) at once. Also the environment
// check every test of this binary depends on.
#include "storage/postgres/postgres_backend.hpp"

#include <atomic>
#include <ctime>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/request_stats.hpp"
#include "oidc/authorize/authorization_request.hpp"
#include "storage/postgres/connection_pool.hpp"
#include "storage/postgres/migrations.hpp"
#include "storage/postgres/test_backends.hpp"

namespace gatehouse::storage::postgres::test {
namespace {

using namespace std::chrono_literals;

// Without a server every test is skipped (ctest shows the binary as skipped), unless
// GATEHOUSE_TEST_POSTGRES_REQUIRED=1 (scripts/test sets it), which fails the run instead.
class ServerEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    if (!server_url().empty()) return;
    const char* required = std::getenv("GATEHOUSE_TEST_POSTGRES_REQUIRED");
    if (required != nullptr && std::string(required) == "1") {
      FAIL() << "GATEHOUSE_TEST_POSTGRES_REQUIRED=1 but no server was given: set GATEHOUSE_TEST_POSTGRES_URL "
                "(scripts/lib/postgres.sh starts a throw-away server)";
    }
    GTEST_SKIP() << "GATEHOUSE_TEST_POSTGRES_URL is not set: skipping every PostgreSQL test. Run them with "
                    "scripts/test, or by hand: source scripts/lib/postgres.sh && pg_tmp_start && "
                    "<build>/src/storage/postgres/storage_postgres_test; pg_tmp_stop";
  }
};
[[maybe_unused]] ::testing::Environment* const kServer = ::testing::AddGlobalTestEnvironment(new ServerEnvironment);

constexpr Query kCountMigrations{"test_count_migrations", "SELECT count(*), count(DISTINCT version) FROM schema_migrations"};
constexpr Query kConnectionsNamed{"test_connections_named",
    "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1"};
// In the select list, not the WHERE clause: the planner may evaluate WHERE conditions in any
// order, and this one must never reach another connection.
constexpr Query kTerminateNamed{"test_terminate_named",
    "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE application_name = $1"};
constexpr Query kEcho{"test_echo", "SELECT $1::bytea, $2::text, length($1), octet_length($2)"};
constexpr Query kSelectOne{"test_select_one", "SELECT 1"};
constexpr Query kBackendPid{"test_backend_pid", "SELECT pg_backend_pid()"};
constexpr Query kTerminatePid{"test_terminate_pid", "SELECT pg_terminate_backend($1::integer, 5000)"};
constexpr Query kFailing{"test_failing", "SELECT 1 / 0"};

client::Client sample_client(const std::string& id) {
  client::Client c;
  c.client_id = id;
  c.secret_hash = std::string("\0\1hash", 6);
  c.client_name = "Survivor";
  c.grant_types = {"client_credentials"};
  c.token_endpoint_auth_method = "client_secret_basic";
  c.scopes = {"api"};
  c.access_token_signed_response_alg = "RS256";
  c.access_token_audience = {id};
  c.created_at = 10;
  c.updated_at = 20;
  return c;
}

TEST(PostgresMigrations, AreNumberedStrictlyIncreasingFromOne) {
  const auto all = migrations();
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.front().version, 1);
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i].version, all[i - 1].version);
  for (const auto& m : all) {
    EXPECT_FALSE(m.name.empty());
    EXPECT_FALSE(m.sql.empty());
  }
  EXPECT_EQ(PostgresBackend::latest_version(), all.back().version);
}

TEST(PostgresBackend, MigrateAppliesEveryMigrationOnceThenNothing) {
  auto open = open_backend(/*migrate=*/false);
  auto& backend = *open->backend;
  EXPECT_EQ(backend.kind(), "postgres");
  EXPECT_EQ(backend.schema_version(), 0);
  EXPECT_EQ(backend.migrate(), static_cast<int>(migrations().size()));
  EXPECT_EQ(backend.schema_version(), PostgresBackend::latest_version());
  EXPECT_EQ(backend.migrate(), 0);
  EXPECT_EQ(backend.schema_version(), backend.known_version());
}

TEST(PostgresBackend, ConcurrentMigrationsOfOneSchemaApplyEachMigrationOnce) {
  // Six "nodes" starting at the same moment on one fresh schema.
  constexpr int kNodes = 6;
  auto first = open_backend(/*migrate=*/false);
  std::vector<std::unique_ptr<PostgresBackend>> nodes;
  for (int i = 0; i < kNodes; ++i) {
    nodes.push_back(std::make_unique<PostgresBackend>(PostgresOptions{.url = DatabaseUrl(server_url()), .schema = first->schema}));
  }
  std::latch start(kNodes);
  std::atomic<int> applied{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kNodes; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      try {
        applied += nodes[i]->migrate();
      } catch (const StorageError& e) {
        ADD_FAILURE() << e.what();
        ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(applied.load(), static_cast<int>(migrations().size()));
  for (auto& node : nodes) EXPECT_EQ(node->schema_version(), PostgresBackend::latest_version());
  auto raw = raw_connection(first->schema);
  const auto counts = raw->execute(kCountMigrations);
  EXPECT_EQ(counts.row(0).int8(0), static_cast<std::int64_t>(migrations().size()));
  EXPECT_EQ(counts.row(0).int8(1), static_cast<std::int64_t>(migrations().size()));
}

TEST(PostgresBackend, ABinaryOlderThanTheSchemaAllowsIsRefusedAndChangesNothing) {
  auto open = open_backend(/*migrate=*/false);
  auto& backend = *open->backend;
  EXPECT_EQ(backend.min_binary_schema(), 0);
  backend.migrate();
  EXPECT_EQ(backend.min_binary_schema(), PostgresBackend::kRequiredBinarySchema);
  EXPECT_LE(PostgresBackend::kRequiredBinarySchema, PostgresBackend::latest_version());
  const int newer = PostgresBackend::latest_version() + 1;
  // As a newer release would leave it: one more migration, which this binary cannot live with.
  constexpr Query kFromTheFuture{"from_the_future",
                                  "INSERT INTO schema_migrations (version, name) VALUES ($1, 'from_the_future')"};
  constexpr Query kRaise{"raise", "UPDATE schema_compat SET min_binary_schema = $1"};
  auto raw = raw_connection(open->schema);
  raw->execute(kFromTheFuture, Params().int8(newer));
  raw->execute(kRaise, Params().int8(newer));
  PostgresBackend old(PostgresOptions{.url = DatabaseUrl(server_url()), .schema = open->schema});
  try {
    old.migrate();
    FAIL() << "an old binary migrated a newer schema";
  } catch (const StartupError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("too old"), std::string::npos) << message;
    EXPECT_NE(message.find("at least version " + std::to_string(newer)), std::string::npos) << message;
  }
  EXPECT_EQ(old.min_binary_schema(), newer);
  EXPECT_EQ(old.schema_version(), newer);
}

TEST(PostgresBackend, EveryExchangeWithTheServerCountsAsOneRoundTripOfTheCallingThread) {
  auto open = open_backend();
  auto raw = raw_connection(open->schema);
  {
    // Prepared now (one more exchange each, once per connection): later executions are one each.
    Transaction tx(*raw);
    raw->execute(kCountMigrations);
    tx.commit();
  }
  const auto start = stats::store_round_trips;
  raw->execute(kCountMigrations);
  EXPECT_EQ(stats::store_round_trips - start, 1u);
  {
    Transaction tx(*raw);
    raw->execute(kCountMigrations);
    tx.commit();
  }
  EXPECT_EQ(stats::store_round_trips - start, 4u) << "BEGIN, the statement, COMMIT";
  // Another thread's exchanges are its own.
  std::thread other([&] { open->backend->clients().find("nobody"); });
  other.join();
  EXPECT_EQ(stats::store_round_trips - start, 4u);
}

TEST(PostgresBackend, EachSchemaIsSeparateAndCreatedWhenMissing) {
  auto a = open_backend();
  auto b = open_backend();
  ASSERT_TRUE(a->backend->clients().insert(sample_client("only-in-a")));
  EXPECT_FALSE(b->backend->clients().find("only-in-a").has_value());
  EXPECT_TRUE(a->backend->clients().find("only-in-a").has_value());
  // A second backend on an existing schema sees its data (and does not need CREATE).
  PostgresBackend again(PostgresOptions{.url = DatabaseUrl(server_url()), .schema = a->schema});
  EXPECT_EQ(again.migrate(), 0);
  EXPECT_TRUE(again.clients().find("only-in-a").has_value());
}

TEST(PostgresBackend, StoresOfAnUnmigratedSchemaThrowStorageError) {
  auto open = open_backend(/*migrate=*/false);
  EXPECT_THROW(open->backend->clients().find("x"), StorageError);
  EXPECT_THROW(open->backend->revocations().is_revoked("x"), StorageError);
  EXPECT_TRUE(open->backend->ping()) << "a failed statement leaves the connection usable";
}

TEST(PostgresBackend, AConnectionTheServerEndedIsReplacedAndTheNextCallWorks) {
  // A name only this test's connections carry, to find them in pg_stat_activity.
  const std::string name = "gh_kill_" + fresh_schema_name();
  auto open = open_backend(true, PostgresOptions{.url = DatabaseUrl(server_url_with("application_name=" + name)), .pool_size = 1});
  auto& backend = *open->backend;
  ASSERT_TRUE(backend.clients().insert(sample_client("survivor")));
  auto admin = raw_connection();
  ASSERT_EQ(admin->execute(kConnectionsNamed, Params().text(name)).row(0).int8(0), 1);

  ASSERT_EQ(admin->execute(kTerminateNamed, Params().text(name)).rows(), 1);
  EXPECT_EQ(admin->execute(kConnectionsNamed, Params().text(name)).row(0).int8(0), 0);
  const auto found = backend.clients().find("survivor");  // no error: the dead one is not handed out
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->secret_hash, sample_client("survivor").secret_hash);
  EXPECT_EQ(admin->execute(kConnectionsNamed, Params().text(name)).row(0).int8(0), 1);

  ASSERT_EQ(admin->execute(kTerminateNamed, Params().text(name)).rows(), 1);
  EXPECT_TRUE(backend.ping());
}

TEST(PostgresBackend, PingIsTrueOnALiveServer) {
  auto open = open_backend(/*migrate=*/false);
  EXPECT_TRUE(open->backend->ping());
  open->backend->migrate();
  EXPECT_TRUE(open->backend->ping());
}

TEST(PostgresBackend, UnreachableServerGivesStorageErrorWithoutThePassword) {
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  const std::string password = "pw-never-shown-4711";
  try {
    PostgresBackend backend(PostgresOptions{.url = DatabaseUrl("postgresql://alice:" + password + "@127.0.0.1:1/gatehouse"),
                                            .timeout = 2000ms});
    FAIL() << "connecting should have failed";
  } catch (const StorageError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find(password), std::string::npos) << message;
    EXPECT_NE(message.find("alice@127.0.0.1:1/gatehouse"), std::string::npos) << message;
  }
  // A URL libpq cannot parse: its error would quote the (badly encoded) password.
  try {
    PostgresBackend backend(PostgresOptions{.url = DatabaseUrl("postgresql://alice:%zz" + password + "@127.0.0.1/x")});
    FAIL() << "parsing should have failed";
  } catch (const StorageError& e) {
    EXPECT_EQ(std::string(e.what()).find(password), std::string::npos) << e.what();
  }
  EXPECT_THROW(PostgresBackend(PostgresOptions{.url = DatabaseUrl("")}), StorageError);
}

TEST(PostgresBackend, MessagesNeverContainThePasswordOrBoundValues) {
  // The test server trusts 127.0.0.1, so any password is accepted: it must still never show.
  const std::string password = "pw-never-shown-0815";
  std::string url = server_url();
  const auto at = url.find('@');
  ASSERT_NE(at, std::string::npos) << "expected a user in GATEHOUSE_TEST_POSTGRES_URL";
  url.insert(at, ":" + password);
  auto open = open_backend(true, PostgresOptions{.url = DatabaseUrl(url)});
  auto& sessions = open->backend->sso_sessions();
  const std::string secret_hash = "very-secret-session-hash";
  sessions.insert(session::SsoSession{secret_hash, "sid-1", "u1", 1, "pwd", 1, 1, 100});
  try {
    sessions.insert(session::SsoSession{secret_hash, "sid-2", "u1", 1, "pwd", 1, 1, 100});
    FAIL() << "a duplicate session id must be refused";
  } catch (const PgError& e) {
    const std::string message = e.what();
    EXPECT_EQ(e.sqlstate(), kUniqueViolation);
    EXPECT_EQ(message.find(password), std::string::npos) << message;
    EXPECT_EQ(message.find(secret_hash), std::string::npos) << message;
    EXPECT_EQ(message.find("766572792d736563726574"), std::string::npos) << "hex of the value: " << message;
    EXPECT_NE(message.find("127.0.0.1"), std::string::npos) << message;
  }
}

TEST(PostgresConnection, BinaryValuesRoundTripExactlyAndTextRefusesZeroBytes) {
  auto connection = raw_connection();
  std::string every_byte;
  for (int i = 0; i < 256; ++i) every_byte.push_back(static_cast<char>(i));
  const std::string large(1 << 20, '\0');
  for (const std::string& value : {every_byte, std::string(), large, std::string("\0", 1)}) {
    const auto result = connection->execute(kEcho, Params().bytea(value).text("caf\xc3\xa9"));
    EXPECT_EQ(result.row(0).text(0), value);
    EXPECT_EQ(result.row(0).text(1), "caf\xc3\xa9");
    EXPECT_EQ(result.row(0).int8(2), static_cast<std::int64_t>(value.size()));
    EXPECT_EQ(result.row(0).int8(3), 5);
  }
  // A text value with a zero byte is refused by the server, never cut short at the zero.
  EXPECT_THROW(connection->execute(kEcho, Params().bytea("").text(std::string("jti\0tail", 8))), StorageError);
  EXPECT_EQ(connection->execute(kSelectOne).row(0).int8(0), 1) << "the connection stays usable";

  auto open = open_backend();
  EXPECT_THROW(open->backend->revocations().is_revoked(std::string("a\0b", 3)), StorageError);
  ASSERT_TRUE(open->backend->settings().insert_if_absent("bytes", every_byte));
  EXPECT_EQ(open->backend->settings().get("bytes"), std::optional<std::string>(every_byte));
}

TEST(PostgresBackend, JunkBytesFromABrowserAreStoredOrNotFoundNeverAnError) {
  // What a login form or an authorization request may carry: a zero byte, invalid UTF-8. SQLite
  // stores and compares such bytes; so must this backend, or answer "not found" (never 503).
  const std::string junk("ad\0a\xff\xc3", 6);
  auto open = open_backend();
  auto& b = *open->backend;
  EXPECT_FALSE(b.users().find_by_username(junk));
  EXPECT_FALSE(b.users().find(junk));
  EXPECT_EQ(b.users().list({junk, ""}, 0, 10).total, 0u);
  EXPECT_FALSE(b.clients().find(junk));
  EXPECT_FALSE(b.login_transactions().find(junk, 1));
  EXPECT_FALSE(b.login_transactions().consume(junk));
  EXPECT_EQ(b.users().record_failed_login(junk, 1000, 300, 5, 900).count, 1);
  EXPECT_EQ(b.users().failed_logins(junk).count, 1);
  EXPECT_EQ(b.users().failed_logins(std::string("ad", 2)).count, 0) << "not cut at the zero byte";
  oidc::AuthorizationRequest request;
  request.state = junk;
  request.nonce = junk + "n";
  request.login_hint = junk + "h";
  signin::SignInTransaction tx;
  tx.id = "tx1";
  tx.continuation = {std::string(signin::kOidcKind), oidc::encode_request(request)};
  tx.login_hint = request.login_hint;
  tx.requested_acr = junk + "a";
  tx.expires_at = 2000;
  b.login_transactions().insert(tx);
  const auto found = b.login_transactions().find("tx1", 1000);
  ASSERT_TRUE(found);
  const auto back = oidc::decode_request(found->continuation.payload);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->state, request.state);
  EXPECT_EQ(back->nonce, request.nonce);
  EXPECT_EQ(found->login_hint, tx.login_hint);
  EXPECT_EQ(found->requested_acr, tx.requested_acr);

  EXPECT_TRUE(is_storable_text(""));
  EXPECT_TRUE(is_storable_text("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x94\x91"));
  EXPECT_FALSE(is_storable_text(std::string("a\0b", 3)));
  EXPECT_FALSE(is_storable_text("\xc3"));          // truncated
  EXPECT_FALSE(is_storable_text("\xc0\xaf"));      // overlong
  EXPECT_FALSE(is_storable_text("\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(is_storable_text("\xf4\x90\x80\x80"));  // above U+10FFFF
}

TEST(PostgresConnectionPool, GivesUpAfterTheWaitAndDiscardsBrokenConnections) {
  std::atomic<int> opened{0};
  ConnectionSpec spec;
  spec.url = DatabaseUrl(server_url());
  spec.label = describe_server(spec.url);
  ConnectionPool pool(
      [&] {
        ++opened;
        return std::make_unique<Connection>(spec);
      },
      1, 50ms, spec.label);
  {
    auto held = pool.acquire();
    try {
      pool.acquire();
      FAIL() << "acquire should time out";
    } catch (const StorageError& e) {
      EXPECT_NE(std::string(e.what()).find("no free connection"), std::string::npos) << e.what();
    }
    // A failed statement inside a transaction: the lease's end rolls it back.
    Transaction tx(*held);
    EXPECT_THROW(held->execute(kFailing), StorageError);
  }
  {
    auto again = pool.acquire();
    EXPECT_EQ(opened.load(), 1) << "an aborted transaction is rolled back, not a reason to reconnect";
    // Ended by the server inside a transaction: the statement fails, and the lease's end discards
    // the connection. (A statement on its own is run again: failover_pgtest.cpp.)
    const auto pid = again->execute(kBackendPid).row(0).int8(0);
    Transaction tx(*again);
    ASSERT_TRUE(raw_connection()->execute(kTerminatePid, Params().int8(pid)).row(0).boolean(0));
    EXPECT_THROW(again->execute(kSelectOne), StorageError);
  }
  auto fresh = pool.acquire();
  EXPECT_EQ(opened.load(), 2);
  EXPECT_EQ(fresh->execute(kSelectOne).row(0).int8(0), 1);
}

// The contract suites race one backend's pool; nodes are separate processes. Two backends on one
// schema stand in for two nodes.
TEST(PostgresBackend, TwoNodesRedeemACodeAndRotateARefreshTokenOnce) {
  auto a = open_backend();
  PostgresBackend b(PostgresOptions{.url = DatabaseUrl(server_url()), .schema = a->schema});
  token::AuthorizationCode code;
  code.code_hash = std::string("\0code", 5);
  code.grant_id = "g1";
  code.expires_at = 2000;
  a->backend->codes().insert(code);
  a->backend->refresh_tokens().insert(token::RefreshToken{"r1", "g1", "web", "u1", "openid", {"sid", 1, "pwd"}, 1, 5000});

  constexpr int kThreads = 8;
  std::latch start(kThreads);
  std::atomic<int> consumed{0}, reused{0}, rotated{0}, grace{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      PostgresBackend& node = i % 2 == 0 ? *a->backend : b;
      start.arrive_and_wait();
      if (node.codes().mark_used(code.code_hash, 1000)) ++consumed;
      else ++reused;
      token::RefreshToken successor{"succ-" + std::to_string(i), "g1", "web", "u1", "openid", {"sid", 1, "pwd"}, 1000, 5000};
      const auto r = node.refresh_tokens().rotate("r1", successor, "answer-" + std::to_string(i), 1000, 10);
      if (r.outcome == token::RotateOutcome::kRotated) ++rotated;
      if (r.outcome == token::RotateOutcome::kGrace) ++grace;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(consumed.load(), 1);
  EXPECT_EQ(reused.load(), kThreads - 1);
  EXPECT_EQ(rotated.load(), 1);
  EXPECT_EQ(grace.load(), kThreads - 1);
}

TEST(PostgresBackend, TokensIssuedWhileTheirGrantIsRevokedEndUpRevoked) {
  // A code redeemed twice: one node revokes the grant while another is still issuing from it.
  // Whatever the interleaving, nothing issued from the grant may stay active.
  auto a = open_backend();
  PostgresBackend b(PostgresOptions{.url = DatabaseUrl(server_url()), .schema = a->schema});
  for (int round = 0; round < 20; ++round) {
    const std::string grant = "g-" + std::to_string(round);
    std::latch start(3);
    std::thread issuer([&] {
      start.arrive_and_wait();
      for (int i = 0; i < 5; ++i) {
        b.refresh_tokens().insert(
            token::RefreshToken{grant + "-r" + std::to_string(i), grant, "web", "u1", "openid", {"sid", 1, "pwd"}, 1, 5000});
        b.refresh_tokens().record_access_token(grant, grant + "-jti" + std::to_string(i), 4000);
      }
    });
    std::thread revoker([&] {
      start.arrive_and_wait();
      a->backend->refresh_tokens().revoke_grant(grant, 100);
    });
    start.arrive_and_wait();
    issuer.join();
    revoker.join();
    for (int i = 0; i < 5; ++i) {
      EXPECT_FALSE(a->backend->refresh_tokens().find_active(grant + "-r" + std::to_string(i), 200)) << grant << " r" << i;
      EXPECT_TRUE(a->backend->revocations().is_revoked(grant + "-jti" + std::to_string(i))) << grant << " jti" << i;
    }
  }
}

std::vector<std::string> events_after(PostgresBackend& b, std::int64_t after) {
  std::vector<std::string> out;
  for (const auto& e : b.events().read_after(after, 100)) out.push_back(e.kind + ":" + e.key);
  return out;
}

TEST(PostgresClusterEvents, EveryChangeOtherNodesMustSeeRecordsAnEventInItsOwnTransaction) {
  auto open = open_backend();
  auto& b = *open->backend;
  const auto start = b.events().latest_seq();
  client::Client c = sample_client("app");
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
  // An operator's change from psql, whatever its search_path, is news too.
  ASSERT_TRUE(b.clients().insert(sample_client("ops")));
  const auto by_operator = b.events().latest_seq();
  raw_connection()->exec_script("edit as an operator",
                                "UPDATE " + quote_identifier(open->schema) + ".clients SET client_name = 'psql'");
  EXPECT_EQ(events_after(b, by_operator), std::vector<std::string>{"client:ops"});
}

TEST(PostgresClusterEvents, ANodeReadingWhileOthersWriteNeverSkipsAnEvent) {
  // Events become visible in seq order (the writers' lock): a reader that remembers the last seq
  // it applied, as nodes do, sees every event exactly once.
  auto a = open_backend();
  PostgresBackend b(PostgresOptions{.url = DatabaseUrl(server_url()), .schema = a->schema});
  constexpr int kWriters = 4, kEach = 40;
  std::atomic<bool> done{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      PostgresBackend& node = w % 2 == 0 ? *a->backend : b;
      for (int i = 0; i < kEach; ++i) {
        if (i % 2 == 0) node.events().append("user", std::to_string(w) + "-" + std::to_string(i), 1);
        else node.settings().insert_if_absent(std::to_string(w) + "-" + std::to_string(i), "v");
      }
    });
  }
  std::int64_t applied = 0;
  std::size_t seen = 0;
  std::thread reader([&] {
    while (true) {
      const bool last = done.load();
      for (const auto& e : b.events().read_after(applied, 7)) {
        ++seen;
        applied = e.seq;
      }
      if (last && b.events().read_after(applied, 1).empty()) break;
    }
  });
  for (auto& t : writers) t.join();
  done = true;
  reader.join();
  EXPECT_EQ(seen, static_cast<std::size_t>(kWriters * kEach));
}

}  // namespace
}  // namespace gatehouse::storage::postgres::test
