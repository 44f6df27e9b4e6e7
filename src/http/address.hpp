#pragma once
// IP addresses and networks (CIDR) for access lists, and the client address behind trusted
// proxies: either X-Forwarded-For (with X-Forwarded-Proto / X-Forwarded-Host) or the standard
// Forwarded header (RFC 7239), whichever the proxies are configured to write, believed only when
// the connection comes from a configured proxy.

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

/// Whether `address` is a public unicast address: not loopback, private (RFC 1918, fc00::/7),
/// shared (100.64/10), link-local, unspecified, multicast, broadcast, documentation or reserved.
/// For calls to URLs others chose (CAS proxy callbacks), which must not reach internal hosts.
bool is_public_address(std::string_view address);

/// What a request says about its client once proxies are accounted for.
struct ClientInfo {
  std::string address;  ///< the client's IP address (the peer's when it is not a trusted proxy)
  std::string proto;    ///< the scheme the client used, from a trusted proxy ("" if not said)
  std::string host;     ///< the Host the client asked for, from a trusted proxy ("" if not said)
};

/// The one header that carries the forwarding chain (server.forwarded_header). The other is
/// ignored: a proxy that writes one passes the other through as the client sent it.
enum class ForwardedHeader {
  kXForwardedFor,  ///< X-Forwarded-For, with X-Forwarded-Proto and X-Forwarded-Host
  kForwarded,      ///< Forwarded (RFC 7239): for=, proto=, host=
};
/// "x-forwarded-for" or "forwarded" (lower case); nullopt for anything else.
std::optional<ForwardedHeader> parse_forwarded_header(std::string_view name);

/// Reads the chain from `header` only, with every line of it joined in order (a proxy that adds
/// its own line after the client's, as HAProxy's `option forwardfor` does, is read right), and
/// walks it from the right while the hop is a trusted proxy: the client is the first hop that is
/// not (or the left-most one). Malformed or "unknown" entries stop the walk at the last trusted
/// hop. Proto and host: with Forwarded, those of the element naming the client; with
/// X-Forwarded-For, the right-most X-Forwarded-Proto / -Host value (the nearest proxy's).
ClientInfo client_info(const Request& request, const AddressList& trusted_proxies,
                       ForwardedHeader header = ForwardedHeader::kXForwardedFor);

}  // namespace gatehouse::http
