#include "mfa/factors.hpp"

#include <functional>

#include <algorithm>

#include "core/log.hpp"
#include "jose/openssl/crypto.hpp"
#include "otp/base32.hpp"
#include "otp/qr.hpp"
#include "otp/totp.hpp"

namespace gatehouse::mfa {
namespace {

std::string seal_aad(std::string_view user_id) { return "totp:" + std::string(user_id); }

/// Recovery codes: 12 characters of a 31-letter alphabet without 0/o, 1/l/i (59 bits), shown as
/// xxxx-xxxx-xxxx.
constexpr std::string_view kRecoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789";
constexpr std::size_t kRecoveryLength = 12;

/// Lower case without separators; empty when the text holds anything but the alphabet, '-' or ' '.
std::string normalise_recovery(std::string_view typed) {
  std::string out;
  if (typed.size() > 64) return {};
  for (char c : typed) {
    if (c == '-' || c == ' ') continue;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (kRecoveryAlphabet.find(c) == std::string_view::npos) return {};
    out.push_back(c);
  }
  return out.size() == kRecoveryLength ? out : std::string();
}

}  // namespace

std::string code_failure_key(std::string_view user_id) { return "mfa:" + std::string(user_id); }

bool FactorSummary::any() const {
  return totp || recovery_codes_left > 0 ||
         std::any_of(passkeys.begin(), passkeys.end(), [](const Passkey& p) { return !p.flagged; });
}

Factors::Factors(FactorsDeps deps) : deps_(std::move(deps)) {}

FactorSummary Factors::summary(const std::string& user_id) const {
  FactorSummary s;
  if (auto t = deps_.totp.find(user_id)) {
    s.totp = t->confirmed;
    s.totp_pending = !t->confirmed;
    s.totp_since = t->confirmed_at;
  }
  s.recovery_codes_left = deps_.recovery_codes.remaining(user_id);
  s.passkeys = deps_.passkeys.list_user(user_id);
  return s;
}

TotpEnrolment Factors::show(const TotpSeed& seed, const user::User& user) const {
  auto uri = otp::otpauth_uri(seed, deps_.issuer, user.username);
  if (!uri) throw std::runtime_error("otpauth URI: " + uri.error());  // issuer checked at start; usernames hold no ':'
  auto svg = otp::qr_svg(uri->reveal());
  if (!svg) throw std::runtime_error("QR code: " + svg.error());
  const auto text = otp::base32_encode(seed.reveal());
  std::string grouped;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i > 0 && i % 4 == 0) grouped.push_back(' ');
    grouped.push_back(text[i]);
  }
  return TotpEnrolment{std::move(*uri), std::move(*svg), Secret<struct TotpTextTag>(std::move(grouped))};
}

std::optional<TotpSeed> Factors::open(const TotpFactor& factor) const {
  auto plain = jose::aead_open(deps_.seal_key.reveal(), factor.sealed_seed, seal_aad(factor.user_id));
  if (!plain) {
    spdlog::error("the TOTP seed of user {} does not open with this master key", factor.user_id);
    return std::nullopt;
  }
  TotpSeed seed(std::move(*plain));
  wipe(plain->data(), plain->size());
  return seed;
}

Result<TotpEnrolment, std::string> Factors::begin_totp(const user::User& user) const {
  const auto seed = otp::generate_seed();
  auto shown = show(seed, user);
  TotpFactor pending{user.id, jose::aead_seal(deps_.seal_key.reveal(), seed.reveal(), seal_aad(user.id)), false, -1,
                     deps_.clock.now(), 0};
  if (!deps_.totp.begin(pending))
    return unexpected(std::string("An authenticator app is already set up. Remove it first to set up another one."));
  return shown;
}

std::optional<TotpEnrolment> Factors::pending_totp(const user::User& user) const {
  auto f = deps_.totp.find(user.id);
  if (!f || f->confirmed) return std::nullopt;
  auto seed = open(*f);
  if (!seed) return std::nullopt;
  return show(*seed, user);
}

bool Factors::locked(const std::string& user_id) const {
  return deps_.users.failed_logins(code_failure_key(user_id)).locked_until > deps_.clock.now();
}

CodeCheck Factors::counted(const std::string& user_id, const std::function<CodeCheck()>& check) const {
  const auto& l = deps_.lockout;
  const auto now = deps_.clock.now();
  const auto key = code_failure_key(user_id);
  // Counted before it is checked, in one atomic write: of many codes posted at once (to one node
  // or to several), no more than the threshold are ever checked within a window. A right code
  // clears the count again.
  const auto f = deps_.users.record_failed_login(key, now, l.window, l.threshold, l.duration);
  // Past the threshold, or still locked from an earlier window: refused unchecked.
  if (f.count > l.threshold || (f.count < l.threshold && f.locked_until > now)) return CodeCheck::kLocked;
  const auto result = check();
  if (result == CodeCheck::kAccepted) {
    deps_.users.reset_failed_logins(key);
    return result;
  }
  if (result == CodeCheck::kNoFactor) return result;  // the enrolment changed meanwhile: no guess
  spdlog::info("a second-factor code of user {} was refused ({} in the window)", user_id, f.count);
  return f.count >= l.threshold ? CodeCheck::kLocked : result;
}

CodeCheck Factors::confirm_totp(const std::string& user_id, const OneTimeCode& code) const {
  auto f = deps_.totp.find(user_id);
  if (!f || f->confirmed) return locked(user_id) ? CodeCheck::kLocked : CodeCheck::kNoFactor;
  auto seed = open(*f);
  if (!seed) return CodeCheck::kNoFactor;
  return counted(user_id, [&] {
    const auto now = deps_.clock.now();
    auto step = otp::verify(*seed, code, now, deps_.window);
    if (!step) return CodeCheck::kWrong;
    // Only the enrolment this code was computed for, once.
    return deps_.totp.confirm(user_id, f->sealed_seed, *step, now) ? CodeCheck::kAccepted : CodeCheck::kNoFactor;
  });
}

CodeCheck Factors::verify_totp(const std::string& user_id, const OneTimeCode& code) const {
  auto f = deps_.totp.find(user_id);
  if (!f || !f->confirmed) return locked(user_id) ? CodeCheck::kLocked : CodeCheck::kNoFactor;
  auto seed = open(*f);
  if (!seed) return CodeCheck::kNoFactor;
  return counted(user_id, [&] {
    auto step = otp::verify(*seed, code, deps_.clock.now(), deps_.window);
    if (!step) return CodeCheck::kWrong;
    // The step moves forward once: of the same code posted twice (or to two nodes), one wins.
    if (*step <= f->last_step || !deps_.totp.use_step(user_id, *step)) return CodeCheck::kReused;
    return CodeCheck::kAccepted;
  });
}

void Factors::import_totp(const std::string& user_id, const TotpSeed& seed) const {
  const auto now = deps_.clock.now();
  deps_.totp.replace(
      TotpFactor{user_id, jose::aead_seal(deps_.seal_key.reveal(), seed.reveal(), seal_aad(user_id)), true, -1, now, now});
}

bool Factors::remove_totp(const std::string& user_id) const { return deps_.totp.remove(user_id); }

std::string Factors::recovery_hash(const std::string& user_id, std::string_view normalised) const {
  std::string input = user_id;
  input.push_back('\0');
  input.append(normalised);
  return jose::hmac_sha256(deps_.recovery_key.reveal(), input);
}

std::vector<RecoveryCode> Factors::new_recovery_codes(const std::string& user_id) const {
  std::vector<RecoveryCode> codes;
  std::vector<std::string> hashes;
  for (std::size_t n = 0; n < kRecoveryCodeCount; ++n) {
    std::string plain;
    while (plain.size() < kRecoveryLength) {
      // Rejection sampling: only bytes below the largest multiple of the alphabet's size, so every
      // letter is equally likely.
      const auto limit = 256 - 256 % kRecoveryAlphabet.size();
      for (unsigned char b : jose::random_bytes(kRecoveryLength))
        if (b < limit && plain.size() < kRecoveryLength) plain.push_back(kRecoveryAlphabet[b % kRecoveryAlphabet.size()]);
    }
    hashes.push_back(recovery_hash(user_id, plain));
    codes.emplace_back(plain.substr(0, 4) + "-" + plain.substr(4, 4) + "-" + plain.substr(8, 4));
    wipe(plain.data(), plain.size());
  }
  deps_.recovery_codes.replace(user_id, hashes, deps_.clock.now());
  return codes;
}

CodeCheck Factors::use_recovery_code(const std::string& user_id, const RecoveryCode& code) const {
  return counted(user_id, [&] {
    auto normalised = normalise_recovery(code.reveal());
    if (normalised.empty()) return CodeCheck::kWrong;
    const bool used = deps_.recovery_codes.use(user_id, recovery_hash(user_id, normalised), deps_.clock.now());
    wipe(normalised.data(), normalised.size());
    return used ? CodeCheck::kAccepted : CodeCheck::kWrong;
  });
}

bool Factors::rename_passkey(const std::string& user_id, const std::string& credential_id, const std::string& name) const {
  return deps_.passkeys.rename(user_id, credential_id, name);
}

bool Factors::remove_passkey(const std::string& user_id, const std::string& credential_id) const {
  return deps_.passkeys.remove(user_id, credential_id);
}

std::size_t Factors::reset(const std::string& user_id) const {
  std::size_t n = deps_.totp.remove(user_id) ? 1 : 0;
  n += deps_.recovery_codes.remove_all(user_id);
  n += deps_.passkeys.remove_all(user_id);
  deps_.users.reset_failed_logins(code_failure_key(user_id));
  return n;
}

}  // namespace gatehouse::mfa
