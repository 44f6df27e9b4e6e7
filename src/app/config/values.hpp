#pragma once
// Reading one configuration value, whatever its origin: a TOML value of the file (converted by
// loader.cpp, the only user of toml++) or the text of a GATEHOUSE_* variable. Plus the text
// helpers the loader, the validators and render share. Internal to app/config.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace gatehouse::app::config {

/// A check passes or returns a message without the key; the caller prefixes the key's label.
using Check = Result<void, std::string>;
template <class T>
using Parsed = Result<T, std::string>;

/// One value as written. From the environment only `text` is set (`from_env`); from the file the
/// TOML value's type and content.
struct Value {
  enum class Kind { kText, kString, kInteger, kBoolean, kArray, kOther };
  Kind kind = Kind::kText;
  std::string_view type;          ///< the TOML type for messages: "a string", "an integer", ...
  std::string text;               ///< kText: the variable's text; kString: the string
  std::int64_t integer = 0;       ///< kInteger
  bool boolean = false;           ///< kBoolean
  std::vector<std::string> items; ///< kArray: its strings, up to the first element that is not one
  std::optional<std::pair<std::size_t, std::string_view>> bad_item;  ///< kArray: 1-based index and type of that element

  bool from_env() const { return kind == Kind::kText; }
};

Parsed<std::string> read_string(const Value& in);
Parsed<std::int64_t> read_integer(const Value& in);
Parsed<bool> read_bool(const Value& in);
/// A byte size: an integer number of bytes, or "64KiB" / "16MiB".
Parsed<std::int64_t> read_size(const Value& in);
/// A duration in milliseconds. Bare integers are in `unit_ms` (1000 for seconds keys, 1 for
/// milliseconds keys); strings carry a unit: "250ms", "30s", "15m", "1h", "2d".
Parsed<std::int64_t> read_duration(const Value& in, std::int64_t unit_ms);
/// An array of strings; from the environment, comma-separated ("RS256,ES256").
Parsed<std::vector<std::string>> read_string_list(const Value& in);

/// A duration with the largest unit that divides it exactly ("90s", "15m", "250ms").
std::string format_duration(std::int64_t ms);
/// A value quoted for an error message: control characters escaped, very long values cut.
std::string quote(std::string_view s);
/// A TOML basic string.
std::string toml_string(std::string_view s);
std::string join(const std::vector<std::string>& items, std::string_view sep);
std::string to_upper(std::string_view s);
bool all_digits(std::string_view s);
/// Wipes a buffer that held key material (best effort).
void wipe(std::string& s);

}  // namespace gatehouse::app::config
