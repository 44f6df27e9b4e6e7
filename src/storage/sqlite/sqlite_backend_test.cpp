// SqliteBackend itself: opening, migrations, persistence, ping and error reporting.
#include "storage/sqlite/sqlite_backend.hpp"

#include <atomic>
#include <fstream>
#include <latch>
#include <set>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "core/error.hpp"
#include "storage/sqlite/migrations.hpp"
#include "storage/sqlite/test_backends.hpp"

namespace gatehouse::storage::sqlite::test {
namespace {

/// One value from a raw connection of our own, to look at the file as another process would.
std::string query_file(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close_v2(db);
    throw std::runtime_error("cannot open " + path);
  }
  sqlite3_stmt* stmt = nullptr;
  std::string value;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
    value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close_v2(db);
  return value;
}

/// Runs one statement on a raw connection of our own, as another process (or release) would.
void exec_file(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  const bool opened = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK;
  const bool ran = opened && sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
  sqlite3_close_v2(db);
  if (!ran) throw std::runtime_error("cannot run: " + sql);
}

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

TEST(SqliteMigrations, AreNumberedStrictlyIncreasingFromOne) {
  const auto all = migrations();
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.front().version, 1);
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i].version, all[i - 1].version);
  for (const auto& m : all) {
    EXPECT_FALSE(m.name.empty());
    EXPECT_FALSE(m.sql.empty());
  }
  EXPECT_EQ(SqliteBackend::latest_version(), all.back().version);
}

TEST(SqliteBackend, MigrateAppliesEveryMigrationOnceThenNothing) {
  SqliteBackend backend(SqliteOptions{.path = ":memory:"});
  EXPECT_EQ(backend.schema_version(), 0);
  EXPECT_EQ(backend.migrate(), static_cast<int>(migrations().size()));
  EXPECT_EQ(backend.schema_version(), SqliteBackend::latest_version());
  EXPECT_EQ(backend.migrate(), 0);
  EXPECT_EQ(backend.schema_version(), SqliteBackend::latest_version());
}

TEST(SqliteBackend, ConcurrentMigrationsOfOneFileApplyEachMigrationOnce) {
  TempDir dir;
  const std::string path = (dir.path() / "gatehouse.db").string();
  SqliteBackend a(SqliteOptions{.path = path});
  SqliteBackend b(SqliteOptions{.path = path});
  std::latch start(2);
  std::atomic<int> applied{0};
  std::thread ta([&] { start.arrive_and_wait(); applied += a.migrate(); });
  std::thread tb([&] { start.arrive_and_wait(); applied += b.migrate(); });
  ta.join();
  tb.join();
  EXPECT_EQ(applied.load(), static_cast<int>(migrations().size()));  // numbers may have gaps
  EXPECT_EQ(a.schema_version(), SqliteBackend::latest_version());
  EXPECT_EQ(b.schema_version(), SqliteBackend::latest_version());
  EXPECT_EQ(query_file(path, "SELECT count(*) FROM schema_migrations"), std::to_string(migrations().size()));
  EXPECT_EQ(query_file(path, "SELECT name FROM schema_migrations WHERE version = 1"), "initial");
}

TEST(SqliteBackend, MigrateRecordsTheOldestBinaryAllowedAndNeverLowersIt) {
  TempDir dir;
  const std::string path = (dir.path() / "gatehouse.db").string();
  SqliteBackend backend(SqliteOptions{.path = path});
  EXPECT_EQ(backend.min_binary_schema(), 0);
  backend.migrate();
  EXPECT_EQ(backend.min_binary_schema(), SqliteBackend::kRequiredBinarySchema);
  EXPECT_LE(SqliteBackend::kRequiredBinarySchema, SqliteBackend::latest_version());
  // A newer release raised it, but still allows this binary: it runs (a rolling upgrade).
  exec_file(path, "UPDATE schema_compat SET min_binary_schema = " + std::to_string(SqliteBackend::latest_version()));
  EXPECT_EQ(backend.migrate(), 0);
  EXPECT_EQ(backend.min_binary_schema(), SqliteBackend::latest_version());
}

TEST(SqliteBackend, ABinaryOlderThanTheSchemaAllowsIsRefusedAndChangesNothing) {
  TempDir dir;
  const std::string path = (dir.path() / "gatehouse.db").string();
  const int newer = SqliteBackend::latest_version() + 1;
  {
    SqliteBackend first(SqliteOptions{.path = path});
    first.migrate();
  }
  // As a newer release would leave it: one more migration, which this binary cannot live with.
  exec_file(path, "INSERT INTO schema_migrations VALUES (" + std::to_string(newer) + ", 'from_the_future', 0); "
                  "UPDATE schema_compat SET min_binary_schema = " + std::to_string(newer));
  SqliteBackend old(SqliteOptions{.path = path});
  try {
    old.migrate();
    FAIL() << "an old binary migrated a newer schema";
  } catch (const StartupError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("too old"), std::string::npos) << message;
    EXPECT_NE(message.find("schema version " + std::to_string(SqliteBackend::latest_version())), std::string::npos)
        << message;
    EXPECT_NE(message.find("at least version " + std::to_string(newer)), std::string::npos) << message;
  }
  EXPECT_EQ(old.min_binary_schema(), newer);
  EXPECT_EQ(old.schema_version(), newer);
}

TEST(SqliteBackend, UnderSteadyReadsAndWritesTheWalStartsAgainInsteadOfGrowing) {
  // Readers never stop, so PASSIVE checkpoints alone would let the WAL grow by at least a page
  // per commit for as long as the load lasts; the checkpointer restarts it past the threshold.
  TempDir dir;
  const std::string path = (dir.path() / "gatehouse.db").string();
  SqliteBackend backend(SqliteOptions{.path = path, .checkpoint_interval = std::chrono::milliseconds(10),
                                      .wal_restart_frames = 64});
  backend.migrate();
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop) backend.refresh_tokens().find_active(std::string(32, 'x'), 0);
  });
  std::int64_t commits = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  while (std::chrono::steady_clock::now() < until) {
    token::RefreshToken t;
    t.token_hash = std::to_string(commits) + std::string(24, 'h');
    t.grant_id = "g" + std::to_string(commits);
    t.client_id = "c";
    t.user_id = "u";
    t.expires_at = 100;
    backend.refresh_tokens().insert(t);
    ++commits;
  }
  stop = true;
  reader.join();
  ASSERT_GT(commits, 200) << "too few writes to tell";
  // The frames of the WAL in use now (the file itself keeps up to journal_size_limit allocated).
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  EXPECT_EQ(sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);  // opens the WAL
  int frames = -1;
  int checkpointed = -1;
  // BUSY while the backend's own checkpointer is at work: ask again, within a deadline.
  int rc = SQLITE_BUSY;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (rc == SQLITE_BUSY && std::chrono::steady_clock::now() < deadline) {
    rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &frames, &checkpointed);
  }
  EXPECT_EQ(rc, SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close_v2(db);
  EXPECT_GE(frames, 0);
  // Each commit adds at least one frame: without restarts there would be more frames than commits.
  EXPECT_LT(frames, commits / 4) << commits << " commits";
}

TEST(SqliteBackend, FileIsInWalModeAndItsParentDirectoryIsCreated) {
  TempDir dir;
  const std::string path = (dir.path() / "a" / "b" / "gatehouse.db").string();
  {
    SqliteBackend backend(SqliteOptions{.path = path});
    backend.migrate();
  }
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(query_file(path, "PRAGMA journal_mode"), "wal");
}

TEST(SqliteBackend, DataSurvivesReopeningTheFile) {
  TempDir dir;
  const std::string path = (dir.path() / "gatehouse.db").string();
  const std::string check("\0check", 6);
  {
    SqliteBackend backend(SqliteOptions{.path = path});
    ASSERT_EQ(backend.migrate(), static_cast<int>(migrations().size()));
    ASSERT_TRUE(backend.clients().insert(sample_client("persisted")));
    ASSERT_TRUE(backend.api_keys().insert(admin::ApiKey{.id = "k", .key_hash = std::string("\0h", 2)}));
    keys::StoredKey key;
    key.kid = "kid";
    key.alg = "RS256";
    key.sealed_private = std::string("\0sealed", 7);
    key.public_jwk = "{}";
    ASSERT_TRUE(backend.keys().insert_current_if_none(key));
    ASSERT_EQ(backend.keys().set_key_check_if_absent(check), check);
    backend.revocations().revoke("jti", 99);
  }
  SqliteBackend reopened(SqliteOptions{.path = path});
  EXPECT_EQ(reopened.schema_version(), SqliteBackend::latest_version());
  EXPECT_EQ(reopened.migrate(), 0);
  const auto client = reopened.clients().find("persisted");
  ASSERT_TRUE(client.has_value());
  EXPECT_EQ(client->secret_hash, sample_client("persisted").secret_hash);
  EXPECT_EQ(client->access_token_audience, std::vector<std::string>{"persisted"});
  EXPECT_TRUE(reopened.api_keys().find_by_hash(std::string("\0h", 2)).has_value());
  ASSERT_EQ(reopened.keys().list_active().size(), 1u);
  EXPECT_EQ(reopened.keys().list_active()[0].sealed_private, std::string("\0sealed", 7));
  EXPECT_EQ(reopened.keys().key_check(), std::optional<std::string>(check));
  EXPECT_TRUE(reopened.revocations().is_revoked("jti"));
}

TEST(SqliteBackend, MemoryDatabasesArePrivateToTheirBackend) {
  SqliteBackend a(SqliteOptions{.path = ":memory:"});
  SqliteBackend b(SqliteOptions{.path = ":memory:"});
  a.migrate();
  EXPECT_EQ(b.schema_version(), 0);
  b.migrate();
  ASSERT_TRUE(a.clients().insert(sample_client("only-in-a")));
  EXPECT_FALSE(b.clients().find("only-in-a").has_value());
}

TEST(SqliteBackend, MemoryDatabaseIsSharedByEveryPooledConnection) {
  SqliteBackend backend(SqliteOptions{.path = ":memory:", .pool_size = 4});
  backend.migrate();
  ASSERT_TRUE(backend.clients().insert(sample_client("seen-by-all")));
  // Hold several connections at once from several threads so more than one gets opened.
  constexpr int kThreads = 4;
  std::latch start(kThreads);
  std::atomic<int> found{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      for (int i = 0; i < 20; ++i) found += backend.clients().find("seen-by-all").has_value() ? 1 : 0;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(found.load(), kThreads * 20);
}

TEST(SqliteBackend, UncreatableDirectoryGivesStorageErrorNamingThePath) {
  TempDir dir;
  const auto blocker = dir.path() / "not-a-directory";
  std::ofstream(blocker) << "x";
  // Even root cannot create a directory beneath a regular file.
  const std::string path = (blocker / "sub" / "gatehouse.db").string();
  try {
    SqliteBackend backend(SqliteOptions{.path = path});
    FAIL() << "opening " << path << " should have failed";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(SqliteBackend, UnopenableFileGivesStorageErrorNamingThePath) {
  TempDir dir;
  const std::string path = dir.path().string();  // a directory, not a database file
  try {
    SqliteBackend backend(SqliteOptions{.path = path});
    FAIL() << "opening " << path << " should have failed";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(SqliteBackend, StoresOfAnUnmigratedDatabaseThrowStorageError) {
  SqliteBackend backend(SqliteOptions{.path = ":memory:"});
  EXPECT_THROW(backend.clients().find("x"), StorageError);
  EXPECT_THROW(backend.revocations().is_revoked("x"), StorageError);
}

TEST(SqliteBackend, PingIsTrueOnMemoryAndFile) {
  SqliteBackend memory(SqliteOptions{.path = ":memory:"});
  EXPECT_TRUE(memory.ping());
  TempDir dir;
  SqliteBackend file(SqliteOptions{.path = (dir.path() / "gatehouse.db").string()});
  EXPECT_TRUE(file.ping());
  file.migrate();
  EXPECT_TRUE(file.ping());
}

TEST(SqliteBackend, MessagesNeverContainStoredSecrets) {
  // A failing write reports the query and SQLite's reason, never the bound values.
  SqliteBackend backend(SqliteOptions{.path = ":memory:"});
  const std::string secret = "very-secret-hash-bytes";
  client::Client c = sample_client("c");
  c.secret_hash = secret;
  try {
    backend.clients().insert(c);  // not migrated: fails
    FAIL();
  } catch (const StorageError& e) {
    EXPECT_EQ(std::string(e.what()).find(secret), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(":memory:"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gatehouse::storage::sqlite::test
