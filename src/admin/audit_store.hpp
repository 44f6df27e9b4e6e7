#pragma once
// Port: the audit trail. Every admin change (who — which API key —, what, the resource before and
// after without secrets, on which node, from which address, when) and every hosted sign-in
// attempt. Append-only; listed newest first, filtered, in pages.

#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace gatehouse::admin {

struct AuditEvent {
  std::int64_t id = 0;         ///< assigned by the store, increasing
  UnixMillis at = 0;
  std::string node_id;         ///< the node that handled it
  std::string actor;           ///< "api-key:<id>" for the admin API, "user:<id>" or "login:<name>" for sign-ins
  std::string action;          ///< e.g. "application.create", "user.password", "sign_in.failure"
  std::string target;          ///< the resource: a client_id, a user id, a key id ...; "" if none
  std::string client_address;  ///< after server.trusted_proxies
  int status = 0;              ///< the HTTP status of the answer (admin changes); 0 for sign-ins
  std::string before;          ///< JSON text of the resource before ("" when it did not exist), without secrets
  std::string after;           ///< JSON text after ("" when it no longer exists)
};

struct AuditFilter {
  std::string action;       ///< exact, or a prefix ending in '.' ("application."); "" = any
  std::string actor;        ///< exact; "" = any
  std::string target;       ///< exact; "" = any
  UnixMillis since = 0;     ///< at >= since (0 = no bound)
  UnixMillis until = 0;     ///< at < until (0 = no bound)
  std::int64_t before_id = 0;  ///< id < before_id (0 = from the newest): the next page
};

class AuditStore {
 public:
  virtual ~AuditStore() = default;
  /// Appends one event (its id is assigned). @returns the id.
  virtual std::int64_t append(const AuditEvent& event) = 0;
  /// Events matching `filter`, newest first, at most `limit`.
  virtual std::vector<AuditEvent> list(const AuditFilter& filter, std::size_t limit) = 0;
  /// Deletes at most `limit` events older than `before` (oldest first). @returns how many.
  virtual std::size_t purge_before(UnixMillis before, std::size_t limit) = 0;
};

}  // namespace gatehouse::admin
