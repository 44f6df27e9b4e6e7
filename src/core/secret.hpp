#pragma once
// Secret<Tag>: a string that cannot be logged or streamed (C9). There is no operator<< and no fmt
// formatter, so `log.info("{}", secret)` is a compile error; reveal() makes every use visible.

#include <string>
#include <utility>

namespace gatehouse {

template <class Tag>
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

 private:
  std::string value_;
};

using ClientSecret = Secret<struct ClientSecretTag>;
using ApiKeyValue = Secret<struct ApiKeyValueTag>;
using MasterKeyBytes = Secret<struct MasterKeyTag>;

}  // namespace gatehouse
