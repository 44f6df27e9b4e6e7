// token::ReplayStore on PostgreSQL: used client assertions.
#include "storage/replay_store.hpp"

#include "storage/postgres/connection.hpp"

namespace gatehouse::storage {
using namespace postgres;  // this file is the PostgreSQL side of SqlReplayStore
namespace {

// One statement: a new key is inserted; a key whose use expired before $3 (not purged yet) is
// taken over; a live one is left alone and returns no row. Concurrent callers serialise on the
// primary key, and the one that waited re-evaluates the WHERE against the committed row.
constexpr Query kFirstUse{"first_use_assertion", R"sql(
INSERT INTO used_assertions (id, expires_at) VALUES ($1, $2)
ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at WHERE used_assertions.expires_at < $3
RETURNING 1)sql", OnLoss::kRepeat};
constexpr Query kPurgeAssertions{"purge_used_assertions", R"sql(
DELETE FROM used_assertions WHERE id IN (
  SELECT id FROM used_assertions WHERE expires_at < $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED))sql"};

}  // namespace

template <>
bool SqlReplayStore<postgres::Connection>::first_use(const std::string& key, UnixSeconds expires_at, UnixSeconds now) {
  auto connection = pool_.acquire();
  return connection->execute(kFirstUse, Params().text(key).int8(expires_at).int8(now)).rows() == 1;
}

template <>
std::size_t SqlReplayStore<postgres::Connection>::purge_expired(UnixSeconds now, std::size_t limit) {
  return purge_batch(pool_, kPurgeAssertions, now, limit);
}

}  // namespace gatehouse::storage
