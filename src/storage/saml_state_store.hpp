#pragma once
// saml::ArtifactStore and saml::PersistentIdStore on SQL (tables saml_artifacts and
// saml_persistent_ids, migration 0019), written once for both backends (storage/query.hpp).
// Artifacts are kept by the hash of their MessageHandle; the message: any bytes (bytea on
// PostgreSQL, TEXT on SQLite).

#include <cstddef>
#include <optional>
#include <string>

#include "saml/state_store.hpp"
#include "storage/connection_pool.hpp"
#include "storage/query.hpp"

namespace gatehouse::storage {

namespace saml_artifact_sql {
inline constexpr Query kInsert{"insert_saml_artifact",
    "INSERT INTO saml_artifacts (handle_hash, client_id, message, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)"};
// One conditional statement spends the artifact on every node (STYLE C8): deleted and returned
// together, and only to the SP it was issued for; an expired one stays for the purge.
inline constexpr Query kConsume{"consume_saml_artifact",
    "DELETE FROM saml_artifacts WHERE handle_hash = $1 AND client_id = $2 AND expires_at > $3 "
    "RETURNING handle_hash, client_id, message, created_at, expires_at"};
inline const PurgeQuery kPurge{"purge_saml_artifacts", "saml_artifacts", "handle_hash", "expires_at <= $1", "expires_at"};
}  // namespace saml_artifact_sql

namespace saml_persistent_id_sql {
inline constexpr Query kFind{"find_saml_persistent_id",
    "SELECT name_id FROM saml_persistent_ids WHERE user_id = $1 AND audience = $2"};
// A racing first sign-in stored its own: nothing is inserted, and the next kFind answers it.
inline constexpr Query kInsert{"insert_saml_persistent_id",
    "INSERT INTO saml_persistent_ids (user_id, audience, name_id, created_at) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (user_id, audience) DO NOTHING"};
inline constexpr Query kUserOf{"saml_persistent_id_user",
    "SELECT user_id FROM saml_persistent_ids WHERE audience = $1 AND name_id = $2"};
inline constexpr Query kForgetUser{"forget_saml_persistent_ids", "DELETE FROM saml_persistent_ids WHERE user_id = $1"};
}  // namespace saml_persistent_id_sql

template <class Connection>
class SqlSamlArtifactStore final : public saml::ArtifactStore {
 public:
  explicit SqlSamlArtifactStore(ConnectionPool<Connection>& pool) : pool_(pool) {}

  void insert(const saml::Artifact& a) override {
    auto connection = pool_.acquire();
    run(*connection, saml_artifact_sql::kInsert, [&](auto& p) {
      p.bytea(a.handle_hash).text(a.client_id).any_text(a.message).int8(a.created_at).int8(a.expires_at);
    });
  }

  std::optional<saml::Artifact> consume(const std::string& handle_hash, const std::string& client_id,
                                        UnixSeconds now) override {
    if (!Connection::storable_text(client_id)) return std::nullopt;
    auto connection = pool_.acquire();
    return first_row(
        *connection, saml_artifact_sql::kConsume, [&](auto& p) { p.bytea(handle_hash).text(client_id).int8(now); },
        [](const auto& r) { return saml::Artifact{r.blob(0), r.text(1), r.text(2), r.int64(3), r.int64(4)}; });
  }

  std::size_t purge_expired(UnixSeconds now, std::size_t limit) override {
    return purge_batch(pool_, in_dialect<Connection>(saml_artifact_sql::kPurge), now, limit);
  }

 private:
  ConnectionPool<Connection>& pool_;
};

template <class Connection>
class SqlSamlPersistentIdStore final : public saml::PersistentIdStore {
 public:
  explicit SqlSamlPersistentIdStore(ConnectionPool<Connection>& pool) : pool_(pool) {}

  std::string name_id(const std::string& user_id, const std::string& audience, const std::string& candidate,
                      UnixSeconds now) override {
    auto connection = pool_.acquire();
    const auto find = [&] {
      return first_row(
          *connection, saml_persistent_id_sql::kFind, [&](auto& p) { p.text(user_id).text(audience); },
          [](const auto& r) { return r.text(0); });
    };
    if (auto known = find()) return *known;
    run(*connection, saml_persistent_id_sql::kInsert,
        [&](auto& p) { p.text(user_id).text(audience).text(candidate).int8(now); });
    // A new statement: under READ COMMITTED it sees a racing insert that won.
    if (auto stored = find()) return *stored;
    throw StorageError("the persistent NameID of a user was neither found nor stored");
  }

  std::optional<std::string> find_name_id(const std::string& user_id, const std::string& audience) override {
    if (!Connection::storable_text(user_id) || !Connection::storable_text(audience)) return std::nullopt;
    auto connection = pool_.acquire();
    return first_row(
        *connection, saml_persistent_id_sql::kFind, [&](auto& p) { p.text(user_id).text(audience); },
        [](const auto& r) { return r.text(0); });
  }

  std::optional<std::string> user_of(const std::string& audience, const std::string& name_id) override {
    if (!Connection::storable_text(name_id) || !Connection::storable_text(audience)) return std::nullopt;
    auto connection = pool_.acquire();
    return first_row(
        *connection, saml_persistent_id_sql::kUserOf, [&](auto& p) { p.text(audience).text(name_id); },
        [](const auto& r) { return r.text(0); });
  }

  std::size_t forget_user(const std::string& user_id) override {
    auto connection = pool_.acquire();
    return static_cast<std::size_t>(run(*connection, saml_persistent_id_sql::kForgetUser, [&](auto& p) { p.text(user_id); }));
  }

 private:
  ConnectionPool<Connection>& pool_;
};

}  // namespace gatehouse::storage
