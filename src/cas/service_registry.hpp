#pragma once
// The CAS service registry (CAS Protocol 3.0 §2.1.1 "service"): CAS services are applications of
// the client registry with CAS members in their registration (client/client_metadata.cpp checks
// them): cas_services, cas_attributes, cas_proxy_callbacks, cas_sso, cas_logout_url. So they share
// the admin API, the console, kickstart, audit and the cluster's change events with OIDC clients.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/client.hpp"
#include "core/clock.hpp"

namespace gatehouse::cas {

enum class MatchKind { kExact, kPrefix, kRegex };

/// One entry of cas_services or cas_proxy_callbacks: {"match": "exact" | "prefix" | "regex", "url": "..."}.
struct ServicePattern {
  MatchKind match = MatchKind::kExact;
  std::string url;
};

/// The CAS side of one application's registration.
struct ServiceRegistration {
  std::string client_id;
  std::string name;                              // client_name (the login page's "to continue to")
  std::vector<ServicePattern> services;          // cas_services
  std::vector<std::string> attributes;           // cas_attributes: the claim names released
  std::vector<ServicePattern> proxy_callbacks;   // cas_proxy_callbacks (none: no proxying)
  bool sso = true;                               // cas_sso: false asks for a sign-in every time
  std::string logout_url;                        // cas_logout_url ("": no single logout for this service)
  std::string mfa_policy;                        // the client's mfa_policy ("" = installation default)
};

/// The CAS registration in a client's metadata; nullopt when the client has no cas_services.
std::optional<ServiceRegistration> registration_of(const client::Client& client);

/// Whether `url` is one the pattern names: exact (byte for byte), prefix (the pattern, then the
/// end or one of / ? # : no "app" prefix matching "application" or "app.evil.example"), regex
/// (the whole URL, anchored). False for any url that is not an absolute http(s) URL without user
/// information, or longer than kMaxServiceLength; also for a percent-encoded host, control
/// characters, spaces or non-ASCII bytes, and a "." or ".." path segment, literal or
/// percent-encoded (a browser resolves it, stepping out of a prefix). A regex match has a budget
/// (PCRE2 match, depth and heap limits): one that runs out of it is false.
bool matches(const ServicePattern& pattern, std::string_view url);

inline constexpr std::size_t kMaxServiceLength = 2048;

/// Every CAS registration, compiled; rebuilt from the client store after invalidate() (a client
/// changed, here or on another node) or after `ttl` (a missed event). Thread safe.
class ServiceRegistry {
 public:
  /// `load` answers every registered client (it may block: call lookups from worker threads).
  using Loader = std::function<std::vector<client::Client>()>;
  ServiceRegistry(Loader load, std::chrono::seconds ttl, const Clock& clock);
  ~ServiceRegistry();
  ServiceRegistry(const ServiceRegistry&) = delete;
  ServiceRegistry& operator=(const ServiceRegistry&) = delete;

  /// The registration one of whose cas_services matches `service`; nullptr when none does. When
  /// several do, the most specific wins: exact before prefix (the longest first) before regex,
  /// then the lowest client_id.
  std::shared_ptr<const ServiceRegistration> find(std::string_view service) const;
  /// The registration of `client_id`, if it is a CAS service.
  std::shared_ptr<const ServiceRegistration> by_client(std::string_view client_id) const;
  /// Whether `registration` may receive proxy-granting tickets at `pgt_url` (one of its
  /// cas_proxy_callbacks matches; https only).
  static bool proxy_callback_allowed(const ServiceRegistration& registration, std::string_view pgt_url);
  /// The next lookup reloads.
  void invalidate();

 private:
  struct State;  // the compiled registrations, kept by a core/reloading_snapshot.hpp
  std::unique_ptr<State> state_;
};

}  // namespace gatehouse::cas
