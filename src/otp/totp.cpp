#include "otp/totp.hpp"

#include <array>
#include <stdexcept>

#include "jose/openssl/crypto.hpp"
#include "otp/base32.hpp"

namespace gatehouse::otp {

namespace {

constexpr std::array<std::uint32_t, 9> kPowersOfTen = {1,      10,      100,      1000,     10000,
                                                       100000, 1000000, 10000000, 100000000};

jose::HmacHash hash_of(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kSha1: return jose::HmacHash::kSha1;
    case Algorithm::kSha256: return jose::HmacHash::kSha256;
    case Algorithm::kSha512: return jose::HmacHash::kSha512;
  }
  throw std::invalid_argument("otp: unknown algorithm");
}

void check_digits(int digits) {
  if (digits < 6 || digits > 8) throw std::invalid_argument("otp: digits must be 6 to 8");
}

/// RFC 4226 §5.3 dynamic truncation: 31 bits at the offset named by the low nibble of the last byte.
std::uint32_t truncate(const std::string& mac) {
  const auto byte = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(mac[i])); };
  const std::size_t offset = byte(mac.size() - 1) & 0x0F;
  return (byte(offset) & 0x7F) << 24 | byte(offset + 1) << 16 | byte(offset + 2) << 8 | byte(offset + 3);
}

bool well_formed(const OneTimeCode& code, int digits) {
  const std::string& text = code.reveal();
  if (text.size() != static_cast<std::size_t>(digits)) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

TotpSeed generate_seed() { return TotpSeed(jose::random_bytes(kSeedBytes)); }

Result<TotpSeed, std::string> seed_from_base32(std::string_view text) {
  auto bytes = base32_decode(text);
  if (!bytes) return unexpected(std::move(bytes.error()));
  if (bytes->empty()) return unexpected(std::string("the seed is empty"));
  TotpSeed seed(*bytes);
  wipe(bytes->data(), bytes->size());  // no plain copy is left behind (a move may copy a short string)
  return seed;
}

OneTimeCode hotp(const TotpSeed& seed, std::uint64_t counter, Algorithm algorithm, int digits) {
  check_digits(digits);
  std::array<char, 8> message{};
  for (int i = 7; i >= 0; --i, counter >>= 8) message[static_cast<std::size_t>(i)] = static_cast<char>(counter & 0xFF);
  std::string mac = jose::hmac(hash_of(algorithm), seed.reveal(), {message.data(), message.size()});
  std::uint32_t value = truncate(mac) % kPowersOfTen[static_cast<std::size_t>(digits)];
  wipe(mac.data(), mac.size());
  std::string text(static_cast<std::size_t>(digits), '0');
  for (auto i = text.size(); i-- > 0; value /= 10) text[i] = static_cast<char>('0' + value % 10);
  return OneTimeCode(std::move(text));
}

std::int64_t time_step(std::int64_t unix_seconds, std::int64_t period) {
  if (period <= 0) throw std::invalid_argument("otp: period must be positive");
  const std::int64_t q = unix_seconds / period;
  return (unix_seconds % period != 0 && unix_seconds < 0) ? q - 1 : q;
}

OneTimeCode totp(const TotpSeed& seed, std::int64_t unix_seconds, const TotpParams& params) {
  const std::int64_t step = time_step(unix_seconds, params.period);
  if (step < 0) throw std::invalid_argument("otp: a time before the epoch");
  return hotp(seed, static_cast<std::uint64_t>(step), params.algorithm, params.digits);
}

std::optional<std::int64_t> verify(const TotpSeed& seed, const OneTimeCode& code, std::int64_t now,
                                   int window, const TotpParams& params) {
  check_digits(params.digits);
  if (window < 0 || window > 10) throw std::invalid_argument("otp: window must be 0 to 10");
  const std::int64_t current = time_step(now, params.period);
  if (!well_formed(code, params.digits)) return std::nullopt;
  std::optional<std::int64_t> matched;
  for (std::int64_t step = current - window; step <= current + window; ++step) {
    if (step < 0) continue;
    const OneTimeCode expected = hotp(seed, static_cast<std::uint64_t>(step), params.algorithm, params.digits);
    const bool equal = jose::constant_time_equal(expected.reveal(), code.reveal());
    if (equal && !matched) matched = step;
  }
  return matched;
}

}  // namespace gatehouse::otp
