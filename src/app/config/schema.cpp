#include "app/config/schema.hpp"

#include <algorithm>
#include <chrono>
#include <concepts>

namespace gatehouse::app::config {
namespace {

constexpr std::int64_t kSecond = 1000;
constexpr std::int64_t kMinute = 60 * kSecond;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kCount = 1'000'000'000;  // the bound of every rate limit

// The section, the name and the field of a key, all from the one spelling of the key (the
// field of Config has the key's name).
#define GH_KEY(sec, key) .section = #sec, .name = #key, .field = [](Config& c) -> FieldRef { return &c.sec.key; }

// The order here is the order of render() and of docs/CONFIG.md.
constexpr Key kKeys[] = {
    {GH_KEY(server, listen), .node_local = true, .check = check_listen},
    {GH_KEY(server, public_url), .check = check_public_url},
    {GH_KEY(server, io_threads), .node_local = true, .min = 0, .max = 256},
    {GH_KEY(server, worker_threads), .node_local = true, .min = 0, .max = 1024},
    {GH_KEY(server, max_pending_requests), .min = 1, .max = 1'000'000},
    {GH_KEY(server, max_connections), .min = 1, .max = 1'000'000},
    {GH_KEY(server, max_body_bytes), .min = 1024, .max = 16 * 1024 * 1024, .size = true},
    {GH_KEY(server, max_header_bytes), .min = 1024, .max = 1024 * 1024, .size = true},
    {GH_KEY(server, header_timeout), .min = 100, .max = 10 * kMinute},
    {GH_KEY(server, idle_timeout), .min = 100, .max = kHour},
    {GH_KEY(server, drain_delay), .min = 0, .max = 10 * kMinute},
    {GH_KEY(server, shutdown_grace), .min = 0, .max = 10 * kMinute},
    {GH_KEY(server, trusted_proxies), .check_list = check_address_list},
    {GH_KEY(server, forwarded_header), .check = check_forwarded_header},
    {GH_KEY(server, tls_cert_file)},
    {GH_KEY(server, tls_key_file)},
    {GH_KEY(database, url), .check = check_database_url, .redact = true},
    {GH_KEY(database, pool_size), .min = 0, .max = 256},
    {GH_KEY(database, busy_timeout), .min = 0, .max = 10 * kMinute},
    {GH_KEY(database, purge_interval), .min = 10 * kSecond, .max = kDay},
    {GH_KEY(keys, master_key_file), .node_local = true},
    {GH_KEY(keys, master_key), .check = check_master_key, .if_set = "it takes precedence over master_key_file",
     .if_unset = "the master key is read from master_key_file"},
    {GH_KEY(keys, algorithms), .check_list = check_algorithms},
    {GH_KEY(keys, jwks_max_age), .min = 0, .max = kDay},
    {GH_KEY(keys, rotation_period), .min = kMinute, .max = 365 * kDay},
    {GH_KEY(tokens, access_token_ttl), .min = kSecond, .max = kDay},
    {GH_KEY(tokens, default_signing_alg), .check = check_algorithm},
    {GH_KEY(tokens, id_token_ttl), .min = kSecond, .max = kDay},
    {GH_KEY(tokens, code_ttl), .min = kSecond, .max = 10 * kMinute},
    {GH_KEY(tokens, refresh_token_ttl), .min = kMinute, .max = 400 * kDay},
    {GH_KEY(tokens, refresh_grace), .min = 0, .max = 5 * kMinute},
    {GH_KEY(tokens, refresh_token_max_lifetime), .min = kMinute, .max = 3650 * kDay},
    {GH_KEY(oauth, require_pkce)},
    {GH_KEY(cluster, enabled)},
    {GH_KEY(cluster, node_id), .node_local = true, .check = check_node_id},
    {GH_KEY(cluster, node_url), .node_local = true, .check = check_node_url},
    {GH_KEY(cluster, node_ca_file)},
    {GH_KEY(cluster, instance_timeout_ms), .min = 1000, .max = 3'600'000},
    {GH_KEY(cluster, instance_recovery_timeout_ms), .min = 1000, .max = 86'400'000},
    {GH_KEY(cluster, checkin_interval_ms), .min = 100, .max = 600'000},
    {GH_KEY(cluster, checkin_offset_ms), .node_local = true, .min = 0, .max = 600'000},
    {GH_KEY(cluster, max_clock_skew_ms), .min = 100, .max = 3'600'000},
    {GH_KEY(cache, redis_url), .check = check_redis_url, .redact = true},
    {GH_KEY(cache, redis_timeout), .min = 10, .max = 10'000},
    {GH_KEY(metrics, allow), .check_list = check_address_list},
    {GH_KEY(metrics, token), .check = check_metrics_token, .if_unset = "only metrics.allow may read /metrics"},
    {GH_KEY(rate_limits, window), .min = kSecond, .max = kHour},
    {GH_KEY(rate_limits, token_per_client), .min = 0, .max = kCount},
    {GH_KEY(rate_limits, token_per_ip), .min = 0, .max = kCount},
    {GH_KEY(rate_limits, login_per_client), .min = 0, .max = kCount},
    {GH_KEY(rate_limits, login_per_ip), .min = 0, .max = kCount},
    {GH_KEY(rate_limits, authorize_per_ip), .min = 0, .max = kCount},
    {GH_KEY(rate_limits, client_auth_failures_per_ip), .min = 0, .max = kCount},
    {GH_KEY(rate_limits, api_key_failures_per_ip), .min = 0, .max = kCount},
    {GH_KEY(passwords, memory_kib), .min = 8, .max = 4'194'304},
    {GH_KEY(passwords, iterations), .min = 1, .max = 100},
    {GH_KEY(passwords, parallelism), .min = 1, .max = 64},
    {GH_KEY(passwords, min_length), .min = 1, .max = 1024},
    {GH_KEY(login, lockout_threshold), .min = 1, .max = 1000},
    {GH_KEY(login, lockout_window), .min = kSecond, .max = kDay},
    {GH_KEY(login, lockout_duration), .min = kSecond, .max = kDay},
    {GH_KEY(login, session_idle_timeout), .min = kMinute, .max = 30 * kDay},
    {GH_KEY(login, session_lifetime), .min = kMinute, .max = 400 * kDay},
    {GH_KEY(login, transaction_ttl), .min = kMinute, .max = kDay},
    {GH_KEY(login, session_cookie), .check = check_cookie_name},
    {GH_KEY(login, session_cookie_path), .check = check_cookie_path},
    {GH_KEY(mfa, issuer), .check = check_mfa_issuer},
    {GH_KEY(mfa, default_policy), .check = check_mfa_policy},
    {GH_KEY(mfa, enrol_when_required)},
    {GH_KEY(mfa, code_lockout_threshold), .min = 1, .max = 1000},
    {GH_KEY(mfa, code_lockout_window), .min = kSecond, .max = kDay},
    {GH_KEY(mfa, code_lockout_duration), .min = kSecond, .max = kDay},
    {GH_KEY(account, reauthenticate_after), .min = 0, .max = kDay},
    {GH_KEY(webauthn, rp_id), .check = check_rp_id},
    {GH_KEY(webauthn, origins), .check_list = check_origins},
    {GH_KEY(webauthn, user_verification), .check = check_user_verification},
    {GH_KEY(webauthn, challenge_ttl), .min = 10 * kSecond, .max = kHour},
    {GH_KEY(cas, ticket_ttl), .min = kSecond, .max = 5 * kMinute},
    {GH_KEY(cas, proxy_callback_addresses), .check_list = check_address_list},
    {GH_KEY(cas, proxy_callback_ca_file)},
    {GH_KEY(cas, proxy_callback_timeout), .min = 100, .max = 30 * kSecond},
    {GH_KEY(saml, entity_id), .check = check_saml_entity_id, .if_unset = "server.public_url + /saml/metadata"},
    {GH_KEY(saml, clock_skew), .min = 10 * kSecond, .max = kHour},
    {GH_KEY(saml, assertion_lifetime), .min = 30 * kSecond, .max = kHour},
    {GH_KEY(saml, artifact_ttl), .min = 5 * kSecond, .max = 10 * kMinute},
    {GH_KEY(saml, metadata_refresh), .min = kMinute, .max = 7 * 24 * kHour},
    {GH_KEY(bootstrap, kickstart), .node_local = true},
    {GH_KEY(log, level), .node_local = true, .check = check_log_level},
    {GH_KEY(log, format), .check = check_log_format},
};

#undef GH_KEY

std::vector<std::string_view> sections_in_order() {
  std::vector<std::string_view> out;
  for (const auto& k : kKeys) {
    if (std::find(out.begin(), out.end(), k.section) == out.end()) out.push_back(k.section);
  }
  return out;
}

std::string range_message(const std::string& lo, const std::string& hi, const std::string& got) {
  return "must be between " + lo + " and " + hi + ", got " + got;
}

// ---------------------------------------------------------------------------------------------
// Applying a value to its field, by the field's type

Check apply_to(const Key& key, std::string& field, const Value& in) {
  auto v = read_string(in);
  if (!v) return unexpected(v.error());
  if (key.check) {
    if (auto ok = key.check(*v); !ok) return ok;
  }
  field = std::move(*v);
  return {};
}

Check apply_to(const Key&, bool& field, const Value& in) {
  auto v = read_bool(in);
  if (!v) return unexpected(v.error());
  field = *v;
  return {};
}

template <std::integral T>
  requires(!std::same_as<T, bool>)
Check apply_to(const Key& key, T& field, const Value& in) {
  auto v = key.size ? read_size(in) : read_integer(in);
  if (!v) return unexpected(v.error());
  if (*v < key.min || *v > key.max) return unexpected(range_message(std::to_string(key.min), std::to_string(key.max), std::to_string(*v)));
  field = static_cast<T>(*v);
  return {};
}

template <class Rep, class Period>
Check apply_to(const Key& key, std::chrono::duration<Rep, Period>& field, const Value& in) {
  using D = std::chrono::duration<Rep, Period>;
  constexpr std::int64_t kUnit = std::chrono::duration_cast<milliseconds>(D{1}).count();
  auto ms = read_duration(in, kUnit);
  if (!ms) return unexpected(ms.error());
  if (*ms % kUnit != 0) return unexpected("must be a whole number of seconds, got " + format_duration(*ms));
  if (*ms < key.min || *ms > key.max) {
    return unexpected(range_message(format_duration(key.min), format_duration(key.max), format_duration(*ms)));
  }
  field = D{*ms / kUnit};
  return {};
}

Check apply_to(const Key& key, std::vector<std::string>& field, const Value& in) {
  auto v = read_string_list(in);
  if (!v) return unexpected(v.error());
  if (auto ok = key.check_list(*v); !ok) return ok;
  field = std::move(*v);
  return {};
}

template <class Tag>
Check apply_to(const Key& key, Secret<Tag>& field, const Value& in) {
  auto v = read_string(in);
  if (!v) return unexpected(v.error());
  if (auto ok = key.check(*v); !ok) {
    wipe(*v);
    return ok;
  }
  field = Secret<Tag>(std::move(*v));
  return {};
}

// ---------------------------------------------------------------------------------------------
// Rendering a field's value as TOML

std::string value_of(const Key& key, const std::string& v) { return toml_string(key.redact ? redact_url(v) : v); }

std::string value_of(const Key&, bool v) { return v ? "true" : "false"; }

template <std::integral T>
  requires(!std::same_as<T, bool>)
std::string value_of(const Key&, T v) {
  return std::to_string(v);
}

template <class Rep, class Period>
std::string value_of(const Key&, std::chrono::duration<Rep, Period> v) {
  return toml_string(format_duration(std::chrono::duration_cast<milliseconds>(v).count()));
}

std::string value_of(const Key&, const std::vector<std::string>& list) {
  std::vector<std::string> items;
  for (const auto& a : list) items.push_back(toml_string(a));
  return "[" + join(items, ", ") + "]";
}

template <class T>
std::string line_of(const Key& key, const T& v) {
  return std::string(key.name) + " = " + value_of(key, v);
}

// A secret is a comment, so the output still loads; the value itself never leaves the process.
template <class Tag>
std::string line_of(const Key& key, const Secret<Tag>& v) {
  const std::string name(key.name);
  // A URL that may hold a password is shown without it: the rest is what an operator checks.
  if (key.redact) return name + " = " + toml_string(redact_url(v.reveal()));
  if (v.empty()) return "# " + name + " is not set: " + std::string(key.if_unset);
  return "# " + name + " = \"<redacted>\"  (set" + (key.if_set.empty() ? "" : "; " + std::string(key.if_set)) + ")";
}

}  // namespace

std::span<const Key> keys() { return kKeys; }

std::span<const std::string_view> sections() {
  static const std::vector<std::string_view> kSections = sections_in_order();
  return kSections;
}

const Key* find_key(std::string_view section, std::string_view name) {
  for (const auto& k : kKeys) {
    if (k.section == section && k.name == name) return &k;
  }
  return nullptr;
}

std::string dotted(const Key& key) { return std::string(key.section) + "." + std::string(key.name); }

Check apply_field(const Key& key, FieldRef field, const Value& in) {
  return std::visit([&](auto* f) { return apply_to(key, *f, in); }, field);
}

std::string render_field(const Key& key, FieldRef field) {
  return std::visit([&](const auto* f) { return line_of(key, *f); }, field);
}

Check apply(const Key& key, Config& config, const Value& in) { return apply_field(key, key.field(config), in); }

std::string render_line(const Key& key, const Config& config) {
  // The field is only read here: the one accessor serves apply and render alike.
  return render_field(key, key.field(const_cast<Config&>(config)));
}

}  // namespace gatehouse::app::config
