// token::ReplayStore on SQLite: used client assertions.
#include "storage/replay_store.hpp"

#include "storage/sqlite/connection.hpp"

namespace gatehouse::storage {
using namespace sqlite;  // this file is the SQLite side of SqlReplayStore
namespace {

// A new key is inserted; a key whose use expired before ?3 (not purged yet) is taken over; a live
// one is left alone (no change). SQLite runs one writer at a time, so this is atomic.
constexpr Query kFirstUse{"first_use_assertion", R"sql(
INSERT INTO used_assertions (id, expires_at) VALUES (?1, ?2)
ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at WHERE used_assertions.expires_at < ?3)sql"};

constexpr Query kPurgeAssertions{"purge_used_assertions", R"sql(
DELETE FROM used_assertions WHERE rowid IN (
  SELECT rowid FROM used_assertions WHERE expires_at < ?1 ORDER BY expires_at LIMIT ?2))sql"};

}  // namespace

template <>
bool SqlReplayStore<sqlite::Connection>::first_use(const std::string& key, UnixSeconds expires_at, UnixSeconds now) {
  auto connection = pool_.acquire();
  Statement s(*connection, kFirstUse);
  s.bind_text(1, key).bind_int(2, expires_at).bind_int(3, now).run();
  return connection->changes() == 1;
}

template <>
std::size_t SqlReplayStore<sqlite::Connection>::purge_expired(UnixSeconds now, std::size_t limit) {
  return purge_batch(pool_, kPurgeAssertions, now, limit);
}

}  // namespace gatehouse::storage
