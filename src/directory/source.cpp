#include "directory/source.hpp"

#include <algorithm>
#include <cctype>
#include <condition_variable>

#include <ldap.h>

#include "core/log.hpp"
#include "core/utf8.hpp"
#include "directory/escape.hpp"

namespace gatehouse::directory {

using SteadyClock = std::chrono::steady_clock;

struct Source::Server {
  Endpoint endpoint;
  mutable std::mutex m;
  std::condition_variable freed;                  // a connection went back (or away)
  std::vector<std::unique_ptr<Connection>> idle;  // guarded by m
  std::size_t open = 0;                           // guarded by m: idle and lent, at most pool_size
  SteadyClock::time_point down_until{};           // guarded by m
  std::string last_error;                         // guarded by m
};

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// userAccountControl and its computed twin (Active Directory keeps the lockout and expiry bits
// only in the computed one).
constexpr std::uint32_t kAccountDisable = 0x2;
constexpr std::uint32_t kLockout = 0x10;
constexpr std::uint32_t kPasswordExpired = 0x800000;

std::uint32_t flags(const Entry& e, const std::string& attribute) {
  const auto v = e.first(attribute);
  if (v.empty() || v.size() > 10) return 0;
  std::uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return static_cast<std::uint32_t>(n);
}

/// The value of a DN's first RDN ("cn=engineers,ou=groups,..." -> "engineers"), "" if unreadable.
std::string first_rdn_value(const std::string& dn) {
  LDAPDN parsed = nullptr;
  if (ldap_str2dn(dn.c_str(), &parsed, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS || !parsed) return "";
  std::string out;
  if (parsed[0] && parsed[0][0]) out.assign(parsed[0][0]->la_value.bv_val, parsed[0][0]->la_value.bv_len);
  ldap_dnfree(parsed);
  return out;
}

SignInError unavailable(const std::string& url, const LdapError& e) {
  return {Refusal::kUnavailable, url + ": " + e.message + (e.diagnostic.empty() ? "" : " (" + e.diagnostic + ")")};
}

/// What a refused user bind means: Active Directory's reason when it gives one, a wrong password
/// for invalidCredentials, and anything else (confidentialityRequired, strongerAuthRequired,
/// unwillingToPerform ...) a problem of the set-up, not of the user.
Refusal bind_refusal(Flavour flavour, const LdapError& e) {
  if (flavour == Flavour::kActiveDirectory) {
    if (auto r = active_directory_refusal(e.diagnostic)) return *r;
  }
  return e.failure == Failure::kInvalidCredentials ? Refusal::kWrongPassword : Refusal::kMisconfigured;
}

}  // namespace

std::optional<Refusal> active_directory_refusal(std::string_view diagnostic) {
  const auto at = diagnostic.find("data ");
  if (at == std::string_view::npos) return std::nullopt;
  auto code = diagnostic.substr(at + 5);
  code = code.substr(0, code.find_first_of(", "));
  if (code == "525") return Refusal::kUnknownUser;
  if (code == "52e") return Refusal::kWrongPassword;
  if (code == "530" || code == "531" || code == "533" || code == "701") return Refusal::kDisabled;
  if (code == "532") return Refusal::kPasswordExpired;
  if (code == "773") return Refusal::kMustChangePassword;
  if (code == "775") return Refusal::kLocked;
  return std::nullopt;
}

std::string external_id_text(std::string_view attribute, std::string_view value) {
  if (lower(std::string(attribute)) != "objectguid" || value.size() != 16) return std::string(value);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : value) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

Source::Source(SourceOptions options) : options_(std::move(options)) {
  for (const auto& url : options_.urls) {
    auto s = std::make_unique<Server>();
    // StartTLS on ldap:// URLs only: an ldaps:// one is TLS from the first byte.
    s->endpoint = {.url = url, .start_tls = options_.start_tls && url.starts_with("ldap://"), .ca_file = options_.ca_file,
                   .connect_timeout = options_.connect_timeout, .timeout = options_.timeout};
    servers_.push_back(std::move(s));
  }
}

Source::~Source() = default;

Result<DirectoryUser, SignInError> Source::sign_in(std::string_view login, std::string_view password, const BeforeBind& before_bind) {
  if (login.empty() || login.size() > 256) return unexpected(SignInError{Refusal::kUnknownUser, "empty or too long login name"});
  if (password.empty()) return unexpected(SignInError{Refusal::kWrongPassword, "empty password"});
  const auto filter = fill_user(options_.user_filter, escape_filter_value(login)).value_or("(!(objectClass=*))");
  std::string p(password);
  auto r = run({filter, std::string(login), &p, before_bind ? &before_bind : nullptr});
  std::fill(p.begin(), p.end(), '\0');  // best effort: the copy libldap needs is gone with it
  return r;
}

namespace {

/// The filter value of a stable id: objectGUID's 32 hex digits back to its 16 bytes, each written
/// \xx (RFC 4515); any other id escaped as text.
std::string id_filter_value(const std::string& attribute, std::string_view id) {
  if (lower(attribute) != "objectguid" || id.size() != 32 || !std::all_of(id.begin(), id.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }))
    return escape_filter_value(id);
  std::string out;
  for (std::size_t i = 0; i < id.size(); i += 2) out += "\\" + std::string(id.substr(i, 2));
  return out;
}

}  // namespace

Result<DirectoryUser, SignInError> Source::find(std::string_view external_id) {
  if (options_.bind_dn.empty())
    return unexpected(SignInError{Refusal::kMisconfigured, "no service account (dn_template only): an entry is read only at a sign-in"});
  if (external_id.empty() || external_id.size() > 256) return unexpected(SignInError{Refusal::kUnknownUser, "empty or too long id"});
  return run({"(" + options_.id_attribute + "=" + id_filter_value(options_.id_attribute, external_id) + ")", {}, nullptr, nullptr});
}

Result<DirectoryUser, SignInError> Source::run(const Lookup& lookup) {
  // Servers marked down are skipped until their time is up; if every one is, the one whose time
  // is nearest is asked anyway (so a directory that came back is noticed at once).
  std::vector<Server*> order;
  const auto now = SteadyClock::now();
  for (auto& s : servers_) {
    std::lock_guard lock(s->m);
    if (s->down_until <= now) order.push_back(s.get());
  }
  if (order.empty() && !servers_.empty()) {
    order.push_back(std::min_element(servers_.begin(), servers_.end(), [](const auto& a, const auto& b) {
                      std::scoped_lock lock(a->m, b->m);
                      return a->down_until < b->down_until;
                    })->get());
  }
  SignInError last{Refusal::kUnavailable, "no directory server is configured"};
  for (Server* s : order) {
    auto r = on_server(*s, lookup);
    if (r || r.error().refusal != Refusal::kUnavailable) return r;
    last = r.error();
    if (last.busy) continue;  // a full pool is load, not a fault: the next server, nothing marked
    spdlog::warn("directory {}: {} (skipped for {} s)", options_.name, last.detail,
                 std::chrono::duration_cast<std::chrono::seconds>(options_.retry_after).count());
    std::vector<std::unique_ptr<Connection>> dropped;  // closed after the lock (an unbind may wait)
    {
      std::lock_guard lock(s->m);
      s->down_until = SteadyClock::now() + options_.retry_after;
      s->last_error = last.detail;
      s->open -= s->idle.size();
      dropped.swap(s->idle);
      s->freed.notify_all();
    }
  }
  return unexpected(last);
}

namespace {

/// A connection lent by a server's pool (at most pool_size per server, idle and lent together);
/// back into it when done, unless broken.
class Lease {
 public:
  Lease(Source::Server& s, std::size_t pool_size) : s_(s), pool_size_(pool_size) {}
  ~Lease() {
    if (!counted_) return;
    std::lock_guard lock(s_.m);
    if (c_ && !c_->broken()) s_.idle.push_back(std::move(c_));
    else --s_.open;
    s_.freed.notify_one();
  }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  /// An idle connection, or a new one while the pool has room; else waits up to `wait` for one.
  /// @returns the failure to connect, or kUnavailable with code LDAP_BUSY when none came.
  std::optional<LdapError> take(std::chrono::milliseconds wait) {
    {
      std::unique_lock lock(s_.m);
      if (!s_.freed.wait_for(lock, wait, [&] { return !s_.idle.empty() || s_.open < pool_size_; }))
        return LdapError{Failure::kUnavailable, LDAP_BUSY, "every connection to the server is in use", ""};
      counted_ = true;
      if (!s_.idle.empty()) {
        c_ = std::move(s_.idle.back());
        s_.idle.pop_back();
        return std::nullopt;
      }
      ++s_.open;
    }
    auto opened = Connection::open(s_.endpoint);  // outside the lock: it may take connect_timeout
    if (!opened) return opened.error();
    c_ = std::move(*opened);
    return std::nullopt;
  }
  Connection& operator*() { return *c_; }
  Connection* operator->() { return c_.get(); }

 private:
  Source::Server& s_;
  std::size_t pool_size_;
  bool counted_ = false;  // this lease holds one of the server's `open`
  std::unique_ptr<Connection> c_;
};

std::vector<std::string> wanted_attributes(const SourceOptions& o) {
  std::vector<std::string> a{o.id_attribute, o.username_attribute};
  for (const auto& [claim, attribute] : o.claims) a.push_back(attribute);
  if (o.groups == GroupLookup::kMemberOf) a.push_back("memberOf");
  if (o.flavour == Flavour::kActiveDirectory) {
    a.push_back("userAccountControl");
    a.push_back("msDS-User-Account-Control-Computed");
  }
  return a;
}

/// Replaces every "{dn}" in `pattern` with `value`.
std::string fill_dn(const std::string& pattern, const std::string& value) {
  std::string out;
  for (std::size_t at = 0;;) {
    const auto next = pattern.find("{dn}", at);
    out += pattern.substr(at, next == std::string::npos ? std::string::npos : next - at);
    if (next == std::string::npos) return out;
    out += value;
    at = next + 4;
  }
}

/// The Active Directory account state that refuses a sign-in, if any.
std::optional<Refusal> account_state(const SourceOptions& o, const Entry& e) {
  if (o.flavour != Flavour::kActiveDirectory) return std::nullopt;
  const auto uac = flags(e, "useraccountcontrol") | flags(e, "msds-user-account-control-computed");
  if (uac & kAccountDisable) return Refusal::kDisabled;
  if (uac & kLockout) return Refusal::kLocked;
  if (uac & kPasswordExpired) return Refusal::kPasswordExpired;
  return std::nullopt;
}

SignInError refused(Refusal r, std::string detail) { return {r, std::move(detail)}; }

}  // namespace

Result<DirectoryUser, SignInError> Source::on_server(Server& s, const Lookup& lookup) {
  const std::string* password = lookup.password;
  const auto& o = options_;
  const auto& url = s.endpoint.url;
  Lease c(s, o.pool_size);
  if (auto failed = c.take(o.pool_wait)) {
    auto e = unavailable(url, *failed);
    e.busy = failed->code == LDAP_BUSY;
    return unexpected(std::move(e));
  }
  const auto attributes = wanted_attributes(o);
  auto lost = [&](const LdapError& e) { return unexpected(unavailable(url, e)); };

  // Who: found with the service account, or named by the template and read after the user's bind.
  std::optional<Entry> entry;
  if (!o.bind_dn.empty()) {
    if (auto b = c->bind(o.bind_dn, o.bind_password); !b) {
      if (b.error().failure == Failure::kUnavailable) return lost(b.error());
      return unexpected(refused(Refusal::kMisconfigured, url + ": the service account's bind was refused: " + b.error().message));
    }
    auto r = c->search({.base = o.user_base, .scope = o.user_subtree ? Scope::kSubtree : Scope::kOneLevel, .filter = lookup.filter,
                        .attributes = attributes, .size_limit = 2});
    if (!r && r.error().failure == Failure::kUnavailable) return lost(r.error());
    if (!r || r->size() != 1)
      return unexpected(refused(Refusal::kUnknownUser, r ? std::to_string(r->size()) + " entries match" : r.error().message));
    entry = std::move(r->front());
  }
  std::vector<std::string> groups;
  if (entry) {  // with the service account's rights, before the user's bind changes them
    auto g = read_groups(*c, *entry);
    if (!g) return lost(g.error());
    groups = std::move(*g);
  }
  const std::string dn = entry ? entry->dn : fill_user(o.dn_template, escape_dn_value(lookup.login)).value_or("");
  if (password && entry && lookup.before_bind && *lookup.before_bind) {
    const Found who{external_id_text(o.id_attribute, entry->first(lower(o.id_attribute))), entry->first(lower(o.username_attribute))};
    if (!(*lookup.before_bind)(who)) {
      auto e = refused(Refusal::kLocked, "the account is locked in Gatehouse: not bound");
      e.held = true;
      return unexpected(std::move(e));
    }
  }
  if (password) {
    if (auto b = c->bind(dn, *password); !b) {
      if (b.error().failure == Failure::kUnavailable) return lost(b.error());
      return unexpected(refused(bind_refusal(o.flavour, b.error()), url + ": " + b.error().message));
    }
  }
  if (!entry) {
    auto r = c->search({.base = dn, .scope = Scope::kBase, .filter = "(objectClass=*)", .attributes = attributes, .size_limit = 1});
    if (!r && r.error().failure == Failure::kUnavailable) return lost(r.error());
    if (!r || r->empty()) return unexpected(refused(Refusal::kUnknownUser, "the user's own entry cannot be read"));
    entry = std::move(r->front());
    auto g = read_groups(*c, *entry);
    if (!g) return lost(g.error());
    groups = std::move(*g);
  }
  if (auto state = account_state(o, *entry)) return unexpected(refused(*state, "userAccountControl"));
  {
    std::lock_guard lock(s.m);
    s.down_until = {};
  }
  return to_user(*entry, std::move(groups));
}

Result<DirectoryUser, SignInError> Source::to_user(const Entry& e, std::vector<std::string> groups) const {
  const auto& o = options_;
  DirectoryUser u{.source = o.name, .external_id = external_id_text(o.id_attribute, e.first(lower(o.id_attribute))),
                  .dn = e.dn, .username = e.first(lower(o.username_attribute)), .groups = std::move(groups)};
  if (u.external_id.empty()) return unexpected(refused(Refusal::kUnknownUser, "the entry has no " + o.id_attribute));
  for (const auto& [claim, attribute] : o.claims) {
    // Text only, of a sane length: a binary attribute mapped by mistake, or a huge value, is left out.
    if (auto v = e.first(lower(attribute)); !v.empty() && v.size() <= kMaxClaimBytes && is_utf8_text(v)) u.claims[claim] = v;
  }
  if (u.username.size() > kMaxUsernameBytes || !is_utf8_text(u.username) ||
      std::any_of(u.username.begin(), u.username.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
    u.username.clear();
  std::erase_if(u.groups, [](const std::string& g) { return !is_utf8_text(g); });
  if (u.username.empty())
    return unexpected(refused(Refusal::kMisconfigured, "the entry has no usable " + o.username_attribute + " (1 to " +
                                                           std::to_string(kMaxUsernameBytes) + " bytes of text)"));
  u.email_verified = o.trust_email && u.claims.contains("email");
  return u;
}

Result<std::vector<std::string>, LdapError> Source::read_groups(Connection& c, const Entry& e) const {
  const auto& o = options_;
  std::vector<std::string> dns;
  if (o.groups == GroupLookup::kMemberOf) {
    if (auto it = e.attributes.find("memberof"); it != e.attributes.end()) dns = it->second;
  } else if (o.groups == GroupLookup::kSearch) {
    // More groups than max_groups: the first max_groups (sizeLimitExceeded keeps what was read).
    auto r = c.search({.base = o.group_base, .filter = fill_dn(o.group_filter, escape_filter_value(e.dn)), .attributes = {},
                       .size_limit = static_cast<int>(o.max_groups), .partial = true});
    if (!r && r.error().failure == Failure::kUnavailable) return unexpected(r.error());
    if (!r) spdlog::warn("directory {}: the group search for {} was refused ({}): no groups", o.name, e.dn, r.error().message);
    if (r)
      for (auto& g : *r) dns.push_back(std::move(g.dn));
  }
  std::vector<std::string> names;
  for (const auto& dn : dns) {
    if (names.size() >= o.max_groups) break;
    if (auto name = first_rdn_value(dn); !name.empty()) names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::vector<ServerHealth> Source::health() const {
  std::vector<ServerHealth> out;
  const auto now = SteadyClock::now();
  for (const auto& s : servers_) {
    std::lock_guard lock(s->m);
    const bool up = s->down_until <= now;
    out.push_back({s->endpoint.url, up,
                   up ? 0 : std::chrono::duration_cast<std::chrono::milliseconds>(s->down_until.time_since_epoch()).count(),
                   s->last_error, s->idle.size(), s->open - s->idle.size()});
  }
  return out;
}

}  // namespace gatehouse::directory
