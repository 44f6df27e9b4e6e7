#pragma once
// mfa::ChallengeStore on SQL (webauthn_challenges), written once for both backends
// (storage/query.hpp).

#include "mfa/challenge_store.hpp"
#include "storage/connection_pool.hpp"
#include "storage/query.hpp"

namespace gatehouse::storage {

namespace challenge_sql {
inline constexpr Query kInsert{"insert_webauthn_challenge", R"sql(
INSERT INTO webauthn_challenges (challenge, purpose, user_id, context, expires_at) VALUES ($1, $2, $3, $4, $5))sql"};
// Single use in one statement (DELETE ... RETURNING, both dialects): a racing second DELETE finds
// nothing (on PostgreSQL it waits for the first to commit, then skips the deleted row). Any answer
// spends the challenge, an expired one too (SqlChallengeStore::consume checks the expiry).
inline constexpr Query kConsume{"consume_webauthn_challenge", R"sql(
DELETE FROM webauthn_challenges WHERE challenge = $1 RETURNING challenge, purpose, user_id, context, expires_at)sql"};
inline const PurgeQuery kPurge{"purge_webauthn_challenges", "webauthn_challenges", "challenge", "expires_at <= $1",
                               "expires_at"};
}  // namespace challenge_sql

template <class Connection>
class SqlChallengeStore final : public mfa::ChallengeStore {
 public:
  explicit SqlChallengeStore(ConnectionPool<Connection>& pool) : pool_(pool) {}

  /// context: any bytes (bytea on PostgreSQL), as the sign-in transaction id it names.
  void insert(const mfa::Challenge& c) override {
    auto connection = pool_.acquire();
    run(*connection, challenge_sql::kInsert, [&](auto& p) {
      p.text(c.challenge).text(c.purpose).text(c.user_id).any_text(c.context).int8(c.expires_at);
    });
  }

  std::optional<mfa::Challenge> consume(const std::string& challenge, UnixSeconds now) override {
    if (!Connection::storable_text(challenge)) return std::nullopt;  // from the browser's answer, unvalidated
    auto connection = pool_.acquire();
    auto found = first_row(
        *connection, challenge_sql::kConsume, [&](auto& p) { p.text(challenge); },
        [](const auto& r) { return mfa::Challenge{r.text(0), r.text(1), r.text(2), r.text(3), r.int64(4)}; });
    if (found && found->expires_at <= now) return std::nullopt;
    return found;
  }

  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override {
    return purge_batch(pool_, in_dialect<Connection>(challenge_sql::kPurge), now, limit);
  }

 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
