#include "mfa_accounts.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <boost/json.hpp>

#include "core/base64url.hpp"
#include "otp/totp.hpp"

namespace gatehouse::bench {

namespace json = boost::json;

std::vector<BenchAccount> read_accounts(const std::string& path, bool need_seed) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the accounts file " + path);
  std::vector<BenchAccount> out;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const auto where = path + ":" + std::to_string(number);
    std::istringstream words(line);
    std::string username, seed, extra;
    if (!(words >> username) || username.starts_with('#')) continue;
    words >> seed >> extra;
    if (!extra.empty()) throw std::runtime_error(where + ": expected 'username [base32-seed]'");
    BenchAccount a{username, std::nullopt};
    if (!seed.empty()) {
      auto decoded = otp::seed_from_base32(seed);
      if (!decoded) throw std::runtime_error(where + ": the TOTP seed is not base32: " + decoded.error());
      a.totp_seed = std::move(decoded.value());
    } else if (need_seed) {
      throw std::runtime_error(where + ": no TOTP seed");
    }
    out.push_back(std::move(a));
  }
  if (out.empty()) throw std::runtime_error("the accounts file " + path + " lists no account");
  return out;
}

std::optional<std::int64_t> next_totp_step(std::optional<std::int64_t> last_used, std::int64_t now) {
  const std::int64_t t = now / kTotpPeriod;
  const std::int64_t left = kTotpPeriod - now % kTotpPeriod;  // seconds until step t ends, 1..30
  std::int64_t step = left > kTotpMarginSeconds ? t - 1 : t;
  if (last_used) step = std::max(step, *last_used + 1);
  if (step > t + 1) return std::nullopt;
  return step;
}

TotpPool::TotpPool(std::vector<BenchAccount> accounts) {
  for (auto& a : accounts) {
    if (!a.totp_seed) throw std::invalid_argument("TotpPool: account " + a.username + " has no TOTP seed");
    idle_.push_back(accounts_.size());
    accounts_.push_back(Entry{std::move(a.username), std::move(*a.totp_seed), std::nullopt});
  }
}

std::optional<std::size_t> TotpPool::acquire(std::int64_t now) {
  // Least recently used first: normally the front has a code; the rest is scanned only when it
  // has none (a pool about to run dry).
  for (auto it = idle_.begin(); it != idle_.end(); ++it) {
    if (!next_totp_step(accounts_[*it].last_used, now)) continue;
    const auto account = *it;
    idle_.erase(it);
    return account;
  }
  return std::nullopt;
}

void TotpPool::release(std::size_t account) { idle_.push_back(account); }

OneTimeCode TotpPool::next_code(std::size_t account, std::int64_t now) {
  auto& a = accounts_.at(account);
  const auto step = next_totp_step(a.last_used, now);
  if (!step) throw std::logic_error("TotpPool: account " + a.username + " has no code left at " + std::to_string(now));
  a.last_used = *step;
  return otp::hotp(a.seed, static_cast<std::uint64_t>(*step), otp::Algorithm::kSha1, 6);
}

std::string registration_json(const webauthn::testing::SoftCredential& credential,
                              const webauthn::testing::RegistrationResponse& response) {
  const auto id = base64url_encode(credential.credential_id());
  json::object r{{"clientDataJSON", base64url_encode(response.client_data_json)},
                 {"attestationObject", base64url_encode(response.attestation_object)},
                 {"transports", json::array{"internal"}}};
  return json::serialize(json::object{{"id", id},
                                      {"rawId", id},
                                      {"type", "public-key"},
                                      {"response", std::move(r)},
                                      {"clientExtensionResults", json::object{{"credProps", {{"rk", true}}}}}});
}

std::string assertion_json(const webauthn::testing::SoftCredential& credential,
                           const webauthn::testing::AssertionResponse& response, std::string_view user_handle_b64url) {
  const auto id = base64url_encode(credential.credential_id());
  json::object r{{"clientDataJSON", base64url_encode(response.client_data_json)},
                 {"authenticatorData", base64url_encode(response.authenticator_data)},
                 {"signature", base64url_encode(response.signature)},
                 {"userHandle", user_handle_b64url}};
  return json::serialize(json::object{
      {"id", id}, {"rawId", id}, {"type", "public-key"}, {"response", std::move(r)}, {"clientExtensionResults", json::object{}}});
}

}  // namespace gatehouse::bench
