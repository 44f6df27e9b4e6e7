#pragma once
// Ports: the CAS ticket registry (CAS Protocol 3.0 §3). Service and proxy tickets are single use:
// a validation spends the ticket in one conditional statement, whether or not it then succeeds
// (§3.1.1, §3.2.1), so two nodes validating one ticket at once give exactly one success. Proxy-
// granting tickets (§3.3) live as long as the SSO session they came from and end with it. Only a
// SHA-256 hash of each ticket string is stored.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "token/sign_in_facts.hpp"

namespace gatehouse::cas {

enum class TicketKind { kService, kProxy };  // "ST-..." / "PT-..."

/// A service or proxy ticket, as issued.
struct Ticket {
  std::string id_hash;          // SHA-256 of the ticket string
  TicketKind kind = TicketKind::kService;
  std::string service;          // the exact service URL it was issued for
  std::string client_id;        // the application whose CAS registration matched that service
  std::string user_id;
  token::SignInFacts sign_in;   // the SSO session (the TGT: sid), auth_time, amr
  bool new_login = false;       // issued right after the person signed in, not from an existing session
  std::vector<std::string> proxies;  // proxy tickets: the proxy chain, most recent pgtUrl first
  UnixSeconds created_at = 0;
  UnixSeconds expires_at = 0;
};

class TicketStore {
 public:
  virtual ~TicketStore() = default;
  virtual void insert(const Ticket& ticket) = 0;
  /// Spends the ticket at `now` and answers it: one conditional statement (a delete returning the
  /// row), so exactly one caller on any node gets it, and only while it has not expired at `now`.
  /// nullopt: unknown, spent, or expired. One store round trip.
  virtual std::optional<Ticket> consume(const std::string& id_hash, UnixSeconds now) = 0;
  /// Deletes at most `limit` tickets that expired before `now`. @returns how many.
  virtual std::size_t purge_expired(UnixSeconds now, std::size_t limit) = 0;
};

/// A proxy-granting ticket: lets a service obtain proxy tickets for other services.
struct ProxyGrantingTicket {
  std::string id_hash;          // SHA-256 of the "PGT-..." string
  std::string client_id;        // the application it was granted to
  std::string user_id;
  token::SignInFacts sign_in;   // the SSO session it lives and ends with
  std::vector<std::string> proxies;  // the chain, this ticket's own pgtUrl first
  UnixSeconds created_at = 0;
  UnixSeconds expires_at = 0;   // the session's absolute end
};

class ProxyGrantingTicketStore {
 public:
  virtual ~ProxyGrantingTicketStore() = default;
  virtual void insert(const ProxyGrantingTicket& ticket) = 0;
  /// The ticket while it has not expired at `now` and was not revoked; nullopt otherwise. Not spent
  /// by reading (a PGT serves many /proxy requests).
  virtual std::optional<ProxyGrantingTicket> find(const std::string& id_hash, UnixSeconds now) = 0;
  /// Ends every ticket of the SSO session `sid` (its sign-out). @returns how many.
  virtual std::size_t revoke_session(const std::string& sid) = 0;
  /// Deletes at most `limit` tickets that expired before `now`. @returns how many.
  virtual std::size_t purge_expired(UnixSeconds now, std::size_t limit) = 0;
};

}  // namespace gatehouse::cas
