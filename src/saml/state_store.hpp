#pragma once
// Ports: the SAML state every node shares (issue 14) — what the Shibboleth IdP asks its operator to
// supply as server-side storage. Request IDs go to the shared token::ReplayStore (a second use of an
// AuthnRequest ID is refused on any node); here are the artifacts of the HTTP-Artifact binding and
// the persistent NameIDs.

#include <cstddef>
#include <optional>
#include <string>

#include "core/clock.hpp"

namespace gatehouse::saml {

/// A SAML artifact's message, waiting for the SP's ArtifactResolve (SAML bindings §3.6).
struct Artifact {
  std::string handle_hash;  ///< SHA-256 of the artifact's 20-byte MessageHandle
  std::string client_id;    ///< the SP it was issued for (only that SP may resolve it)
  std::string message;      ///< the samlp:Response document to answer with, signed as the SP wants
  UnixSeconds created_at = 0;
  UnixSeconds expires_at = 0;
};

/// The artifacts of the HTTP-Artifact binding, and (slo.cpp) the state of a logout carried through
/// the browser while it waits for one SP's LogoutResponse: the same shape — a message, single use,
/// bound to one SP, short lived — under a key no artifact handle can hash to.
class ArtifactStore {
 public:
  virtual ~ArtifactStore() = default;
  virtual void insert(const Artifact& artifact) = 0;
  /// Takes the artifact if it is there, was issued for `client_id` and has not expired at `now`,
  /// in one conditional statement: of any number of concurrent calls, on any nodes, at most one
  /// gets it. An artifact asked for by another SP is neither answered nor spent (its own SP can
  /// still resolve it). @returns nullopt for unknown, expired, spent or another SP's.
  virtual std::optional<Artifact> consume(const std::string& handle_hash, const std::string& client_id,
                                          UnixSeconds now) = 0;
  /// Deletes at most `limit` artifacts that expired at or before `now`. @returns how many.
  virtual std::size_t purge_expired(UnixSeconds now, std::size_t limit) = 0;
};

/// Persistent NameIDs (SAML core §8.3.7): opaque, one per user and audience (an SP's entity ID, or
/// the affiliation the SP belongs to), stable for the life of both. Stored, not derived, so that
/// no key or salt rotation can change them.
class PersistentIdStore {
 public:
  virtual ~PersistentIdStore() = default;
  /// The user's NameID at `audience`: the stored one, else `candidate` (fresh random), stored now.
  /// Concurrent first calls for the same user and audience all answer the one that was stored.
  virtual std::string name_id(const std::string& user_id, const std::string& audience, const std::string& candidate,
                              UnixSeconds now) = 0;
  /// The user's stored NameID at `audience`, without creating one (NameIDPolicy
  /// AllowCreate="false", SAML core §3.4.1.1). @returns nullopt when none is stored.
  virtual std::optional<std::string> find_name_id(const std::string& user_id, const std::string& audience) = 0;
  /// The user whose NameID at `audience` is `name_id` (a LogoutRequest names the user by it).
  virtual std::optional<std::string> user_of(const std::string& audience, const std::string& name_id) = 0;
  /// Forgets every NameID of a user (the user was deleted). @returns how many.
  virtual std::size_t forget_user(const std::string& user_id) = 0;
};

}  // namespace gatehouse::saml
