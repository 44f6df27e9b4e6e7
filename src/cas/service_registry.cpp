#include "cas/service_registry.hpp"

#include <algorithm>
#include <map>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <spdlog/spdlog.h>

#include "client/client_metadata.hpp"
#include "core/reloading_snapshot.hpp"

namespace gatehouse::cas {
namespace {

namespace json = boost::json;

// The same options client/cas_members.cpp compiles with when a pattern is registered: the pattern
// names the whole URL, and no (*UTF) or \C can change how bytes are read.
constexpr std::uint32_t kRegexOptions = PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_NEVER_UTF | PCRE2_NEVER_BACKSLASH_C;
// Patterns come from operators, URLs from anyone: a backtracking budget per match (a pattern such
// as (a+)+$ would otherwise take exponential time on a long URL) and bounds on the backtracking
// depth and the heap it may use. A match that runs out of budget is a non-match. A pattern can
// lower these with (*LIMIT_MATCH=n), never raise them.
constexpr std::uint32_t kMatchLimit = 100'000;
constexpr std::uint32_t kDepthLimit = 5'000;
constexpr std::uint32_t kHeapLimitKib = 4'096;

struct RegexFree {
  void operator()(pcre2_code* code) const { pcre2_code_free(code); }
};
using Regex = std::unique_ptr<pcre2_code, RegexFree>;

Regex compile(std::string_view pattern) {
  if (pattern.empty() || pattern.size() > kMaxServiceLength) return nullptr;
  int error = 0;
  PCRE2_SIZE offset = 0;
  return Regex(pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), kRegexOptions, &error,
                             &offset, nullptr));
}

/// One thread's match data (one pair: only whether it matched is asked) and limits.
struct Matcher {
  pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
  pcre2_match_context* context = pcre2_match_context_create(nullptr);
  Matcher() {
    if (context == nullptr) return;
    pcre2_set_match_limit(context, kMatchLimit);
    pcre2_set_depth_limit(context, kDepthLimit);
    pcre2_set_heap_limit(context, kHeapLimitKib);
  }
  ~Matcher() {
    pcre2_match_data_free(data);
    pcre2_match_context_free(context);
  }
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;
};

bool regex_matches(const pcre2_code* regex, std::string_view url) {
  thread_local Matcher matcher;
  if (regex == nullptr || matcher.data == nullptr || matcher.context == nullptr) return false;
  const int rc = pcre2_match(regex, reinterpret_cast<PCRE2_SPTR>(url.data()), url.size(), 0, 0, matcher.data,
                             matcher.context);
  // rc 0 is a match whose groups did not fit the one pair asked for.
  if (rc >= 0) return true;
  if (rc != PCRE2_ERROR_NOMATCH) spdlog::debug("cas: a service pattern gave up matching (PCRE2 error {})", rc);
  return false;
}

/// An absolute http(s) URL with a host (not percent-encoded), without user information, control
/// characters, spaces or non-ASCII bytes, at most kMaxServiceLength long, and with no "." or ".."
/// path segment (literal or percent-encoded: a browser resolves both, which would step out of a
/// prefix).
bool acceptable_url(std::string_view url) {
  if (url.empty() || url.size() > kMaxServiceLength) return false;
  if (!std::all_of(url.begin(), url.end(), [](char c) { return c > 0x20 && c < 0x7f; })) return false;
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || parsed->host().empty() || parsed->has_userinfo()) return false;
  if (parsed->scheme() != "https" && parsed->scheme() != "http") return false;
  // A browser decodes a percent-encoded host, so "%2e" would let a pattern read another name.
  if (parsed->encoded_host().find('%') != std::string_view::npos) return false;
  for (auto segment : parsed->encoded_segments()) {
    const auto decoded = segment.decode();
    if (decoded == "." || decoded == "..") return false;
  }
  return true;
}

/// `url` starts with `prefix` on a path boundary: the prefix ends with '/', or it is followed by
/// the end or one of / ? #.
bool prefix_matches(std::string_view prefix, std::string_view url) {
  if (prefix.empty() || !url.starts_with(prefix)) return false;
  if (url.size() == prefix.size() || prefix.back() == '/') return true;
  const char next = url[prefix.size()];
  return next == '/' || next == '?' || next == '#';
}

std::vector<ServicePattern> patterns_of(const json::value* list) {
  std::vector<ServicePattern> out;
  if (list == nullptr || !list->is_array()) return out;
  for (const auto& entry : list->get_array()) {
    const auto* object = entry.if_object();
    const auto* match = object ? object->if_contains("match") : nullptr;
    const auto* url = object ? object->if_contains("url") : nullptr;
    if (match == nullptr || url == nullptr || !url->is_string()) continue;  // registration refuses these
    ServicePattern p{MatchKind::kExact, std::string(url->get_string())};
    if (*match == "prefix") p.match = MatchKind::kPrefix;
    else if (*match == "regex") p.match = MatchKind::kRegex;
    else if (*match != "exact") continue;
    out.push_back(std::move(p));
  }
  return out;
}

/// One cas_services entry of one registration, compiled.
struct Compiled {
  std::string url;
  std::shared_ptr<const pcre2_code> regex;  // kRegex only
  std::shared_ptr<const ServiceRegistration> registration;
};

/// Every registration, in the order find() tries them.
struct Tables {
  std::map<std::string, std::shared_ptr<const ServiceRegistration>, std::less<>> exact;  // lowest client_id
  std::vector<Compiled> prefixes;  // longest first, then the lowest client_id
  std::vector<Compiled> regexes;   // the lowest client_id first, each client's in its order
  std::map<std::string, std::shared_ptr<const ServiceRegistration>, std::less<>> by_client;
};

Tables compile_tables(const std::vector<client::Client>& clients) {
  std::vector<std::shared_ptr<const ServiceRegistration>> registrations;
  for (const auto& c : clients)
    if (auto r = registration_of(c))
      registrations.push_back(std::make_shared<const ServiceRegistration>(std::move(*r)));
  std::sort(registrations.begin(), registrations.end(),
            [](const auto& a, const auto& b) { return a->client_id < b->client_id; });
  Tables t;
  for (const auto& r : registrations) {
    t.by_client.emplace(r->client_id, r);
    for (const auto& p : r->services) {
      if (p.match == MatchKind::kExact) {
        t.exact.emplace(p.url, r);  // an earlier (lower) client_id keeps the URL
      } else if (p.match == MatchKind::kPrefix) {
        t.prefixes.push_back({p.url, nullptr, r});
      } else if (auto regex = compile(p.url)) {
        t.regexes.push_back({p.url, std::shared_ptr<const pcre2_code>(std::move(regex)), r});
      } else {
        spdlog::warn("cas: client {}: the service pattern does not compile; it is left out", r->client_id);
      }
    }
  }
  std::stable_sort(t.prefixes.begin(), t.prefixes.end(),
                   [](const Compiled& a, const Compiled& b) { return a.url.size() > b.url.size(); });
  return t;
}

}  // namespace

std::optional<ServiceRegistration> registration_of(const client::Client& client) {
  if (client.extra_metadata.find("\"cas_services\"") == std::string::npos) return std::nullopt;  // no parse
  boost::system::error_code ec;
  auto extra = json::parse(client.extra_metadata, ec);
  if (ec || !extra.is_object()) return std::nullopt;
  const auto& doc = extra.get_object();
  ServiceRegistration r;
  r.services = patterns_of(doc.if_contains("cas_services"));
  if (r.services.empty()) return std::nullopt;
  r.client_id = client.client_id;
  r.name = client.client_name.empty() ? client.client_id : client.client_name;
  r.proxy_callbacks = patterns_of(doc.if_contains("cas_proxy_callbacks"));
  if (const auto* list = doc.if_contains("cas_attributes"); list != nullptr && list->is_array())
    for (const auto& name : list->get_array())
      if (name.is_string()) r.attributes.emplace_back(name.get_string());
  if (const auto* sso = doc.if_contains("cas_sso"); sso != nullptr && sso->is_bool()) r.sso = sso->get_bool();
  if (const auto* url = doc.if_contains("cas_logout_url"); url != nullptr && url->is_string())
    r.logout_url = std::string(url->get_string());
  r.mfa_policy = client::mfa_policy(client);
  return r;
}

bool matches(const ServicePattern& pattern, std::string_view url) {
  if (!acceptable_url(url)) return false;
  switch (pattern.match) {
    case MatchKind::kExact: return url == pattern.url;
    case MatchKind::kPrefix: return prefix_matches(pattern.url, url);
    case MatchKind::kRegex: return regex_matches(compile(pattern.url).get(), url);
  }
  return false;
}

struct ServiceRegistry::State {
  State(Loader load, std::chrono::seconds ttl, const Clock& clock)
      : tables([load = std::move(load)] { return compile_tables(load()); }, ttl, clock, "cas", "service registry") {}
  ReloadingSnapshot<Tables> tables;
};

ServiceRegistry::ServiceRegistry(Loader load, std::chrono::seconds ttl, const Clock& clock)
    : state_(std::make_unique<State>(std::move(load), ttl, clock)) {}

ServiceRegistry::~ServiceRegistry() = default;

std::shared_ptr<const ServiceRegistration> ServiceRegistry::find(std::string_view service) const {
  if (!acceptable_url(service)) return nullptr;
  const auto snap = state_->tables.current();
  const auto& t = *snap;
  if (auto it = t.exact.find(service); it != t.exact.end()) return it->second;
  for (const auto& p : t.prefixes)
    if (prefix_matches(p.url, service)) return p.registration;
  for (const auto& r : t.regexes)
    if (regex_matches(r.regex.get(), service)) return r.registration;
  return nullptr;
}

std::shared_ptr<const ServiceRegistration> ServiceRegistry::by_client(std::string_view client_id) const {
  const auto snap = state_->tables.current();
  auto it = snap->by_client.find(client_id);
  return it == snap->by_client.end() ? nullptr : it->second;
}

bool ServiceRegistry::proxy_callback_allowed(const ServiceRegistration& registration, std::string_view pgt_url) {
  // CAS Protocol 3.0 §2.5.4: the proxy-granting ticket is only sent over https.
  if (!pgt_url.starts_with("https://")) return false;
  return std::any_of(registration.proxy_callbacks.begin(), registration.proxy_callbacks.end(),
                     [&](const ServicePattern& p) { return matches(p, pgt_url); });
}

void ServiceRegistry::invalidate() { state_->tables.invalidate(); }

}  // namespace gatehouse::cas
