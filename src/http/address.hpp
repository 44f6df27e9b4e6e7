#pragma once
// IP addresses and networks (CIDR) for access lists, and the client address behind trusted
// proxies: X-Forwarded-For / X-Forwarded-Proto / X-Forwarded-Host and the standard Forwarded
// header (RFC 7239) are believed only when the connection comes from a configured proxy.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace gatehouse::http {

struct Request;

/// An IPv4 or IPv6 address; IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 address.
struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};
  bool v4 = false;  // then bytes[0..3]
  /// Parses "1.2.3.4", "2001:db8::1", "[2001:db8::1]" (brackets allowed). nullopt if it is not one.
  static std::optional<IpAddress> parse(std::string_view text);
  std::string to_string() const;
};

/// A set of networks: "10.0.0.0/8", "2001:db8::/32", or a single address ("127.0.0.1").
class AddressList {
 public:
  /// @returns the list, or a message naming the entry at fault.
  static Result<AddressList, std::string> parse(const std::vector<std::string>& entries);
  bool contains(const IpAddress& address) const;
  bool contains(std::string_view address) const;
  bool empty() const { return networks_.empty(); }

 private:
  struct Network {
    IpAddress base;
    int prefix = 0;
  };
  std::vector<Network> networks_;
};

/// What a request says about its client once proxies are accounted for.
struct ClientInfo {
  std::string address;  ///< the client's IP address (the peer's when it is not a trusted proxy)
  std::string proto;    ///< the scheme the client used, from a trusted proxy ("" if not said)
  std::string host;     ///< the Host the client asked for, from a trusted proxy ("" if not said)
};

/// Walks the forwarding chain from the right while the hop is a trusted proxy: the client is the
/// first hop that is not (or the left-most one). `Forwarded` wins over the X-Forwarded-* headers
/// when both are present. Malformed entries stop the walk at the last trusted hop.
ClientInfo client_info(const Request& request, const AddressList& trusted_proxies);

}  // namespace gatehouse::http
