#pragma once
// Time as seen by the domain: whole seconds since the Unix epoch (JWT NumericDate, RFC 7519 §2).
// Injected so tests pin time instead of sleeping (C12).

#include <chrono>
#include <cstdint>

namespace gatehouse {

using UnixSeconds = std::int64_t;
/// Milliseconds since the Unix epoch: cluster timing (check-ins, leases) needs finer steps.
using UnixMillis = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixSeconds now() const = 0;
  virtual UnixMillis now_ms() const { return now() * 1000; }
};

class SystemClock final : public Clock {
 public:
  UnixSeconds now() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  UnixMillis now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  }
};

/// A clock the test moves by hand.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(UnixSeconds t) : t_(t) {}
  UnixSeconds now() const override { return t_; }
  void advance(UnixSeconds s) { t_ += s; }

 private:
  UnixSeconds t_;
};

}  // namespace gatehouse
