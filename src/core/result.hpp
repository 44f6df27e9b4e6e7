#pragma once
// Result<T, E>: an expected value or an error value (C7: expected outcomes are values).
// A small stand-in for std::expected, which libstdc++ 12 offers only in C++23 mode.

#include <cassert>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

namespace gatehouse {

template <class E>
struct Unexpected {
  E error;
};

template <class E>
Unexpected<std::decay_t<E>> unexpected(E&& e) {
  return {std::forward<E>(e)};
}

template <class T, class E>
class Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  template <class G>
  Result(Unexpected<G> e) : v_(std::in_place_index<1>, E(std::move(e.error))) {}  // NOLINT

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & { assert(has_value()); return std::get<0>(v_); }
  const T& value() const& { assert(has_value()); return std::get<0>(v_); }
  T&& value() && { assert(has_value()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const E& error() const { assert(!has_value()); return std::get<1>(v_); }
  E& error() { assert(!has_value()); return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

template <class E>
class Result<void, E> {
 public:
  Result() = default;
  template <class G>
  Result(Unexpected<G> e) : error_(E(std::move(e.error))) {}  // NOLINT

  bool has_value() const { return !error_.has_value(); }
  explicit operator bool() const { return has_value(); }
  const E& error() const { assert(error_); return *error_; }

 private:
  std::optional<E> error_;
};

}  // namespace gatehouse
