#pragma once
// Secret<Tag>: a value that cannot be logged, streamed or formatted (STYLE C9, userver's
// NonLoggable). Formatting one with fmt/spdlog or writing it to a stream is a compile error
// (src/core/secret_not_loggable.cpp proves it in the test suite); reveal() makes every use of the
// plain value visible in review. The bytes are wiped when the Secret is destroyed or assigned over.
//
// Each domain names its own secrets with a tag, so a presented password cannot be passed where a
// client secret is expected.

#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>

namespace gatehouse {

/// Overwrites `n` bytes at `p` with zeros in a way the optimiser cannot drop.
inline void wipe(void* p, std::size_t n) noexcept {
  auto* b = static_cast<volatile unsigned char*>(p);
  while (n-- > 0) *b++ = 0;
}

template <class Tag>
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  explicit Secret(std::string_view value) : value_(value) {}
  explicit Secret(const char* value) : value_(value) {}
  Secret(const Secret&) = default;
  Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { other.clear(); }
  Secret& operator=(const Secret& other) {
    if (this != &other) {
      clear();
      value_ = other.value_;
    }
    return *this;
  }
  Secret& operator=(Secret&& other) noexcept {
    if (this != &other) {
      clear();
      value_ = std::move(other.value_);
      other.clear();
    }
    return *this;
  }
  ~Secret() { clear(); }

  /// The plain value, for the one place that needs it (hashing, comparing in constant time,
  /// sending to the server it belongs to). Never pass it to a log call.
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  std::size_t size() const { return value_.size(); }

 private:
  void clear() noexcept {
    wipe(value_.data(), value_.size());
    value_.clear();
  }
  std::string value_;
};

/// Streaming a secret is refused at compile time (fmt's ostream fallback would otherwise find it).
template <class Tag>
std::ostream& operator<<(std::ostream&, const Secret<Tag>&) = delete;

using ClientSecret = Secret<struct ClientSecretTag>;
using ApiKeyValue = Secret<struct ApiKeyValueTag>;
using MasterKeyBytes = Secret<struct MasterKeyTag>;
/// Key material derived from the master key (HKDF subkeys: hashing, sealing, signing keys).
using KeyBytes = Secret<struct KeyBytesTag>;
/// A database connection URL (config database.url): it may carry a password, so from the config
/// to libpq it is never a plain string that a log line could take.
using DatabaseUrl = Secret<struct DatabaseUrlTag>;
/// A TOTP seed (RFC 6238's shared key K): the raw bytes the user's authenticator also holds.
using TotpSeed = Secret<struct TotpSeedTag>;
/// A one-time code as the user typed it (or as computed to compare with it): a few digits.
using OneTimeCode = Secret<struct OneTimeCodeTag>;
/// A recovery code, shown once to the user and later typed by them in place of a second factor.
using RecoveryCode = Secret<struct RecoveryCodeTag>;

}  // namespace gatehouse

// No fmt::formatter exists for Secret<>, and none may be added: fmt then refuses to format it
// ("cannot format an argument"), which is what makes a log call with a secret fail to compile.
