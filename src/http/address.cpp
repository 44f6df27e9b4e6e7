#include "http/address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

#include "http/message.hpp"

namespace gatehouse::http {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    const auto at = s.find(sep);
    out.push_back(trim(s.substr(0, at)));
    if (at == std::string_view::npos) break;
    s.remove_prefix(at + 1);
  }
  return out;
}

/// A node of an X-Forwarded-For or Forwarded "for=": an address, maybe with a port
/// ("1.2.3.4:80", "[::1]:80") or quoted. nullopt for "unknown", obfuscated ids and garbage.
std::optional<IpAddress> node_address(std::string_view node) {
  node = trim(node);
  if (node.size() >= 2 && node.front() == '"' && node.back() == '"') node = node.substr(1, node.size() - 2);
  if (!node.empty() && node.front() == '[') {
    const auto close = node.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    return IpAddress::parse(node.substr(1, close - 1));
  }
  if (std::count(node.begin(), node.end(), ':') == 1) node = node.substr(0, node.find(':'));  // IPv4:port
  return IpAddress::parse(node);
}

struct Hop {
  std::optional<IpAddress> address;
  std::string proto;
  std::string host;
};

/// The hops a request names in `header`, left (client) to right (nearest proxy).
std::vector<Hop> forwarded_hops(const Request& request, ForwardedHeader header) {
  std::vector<Hop> hops;
  if (header == ForwardedHeader::kForwarded) {
    const std::string forwarded = request.header_list("forwarded");
    if (forwarded.empty()) return hops;
    for (auto element : split(forwarded, ',')) {
      Hop hop;
      for (auto pair : split(element, ';')) {
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos) continue;
        const std::string name = ascii_lower(trim(pair.substr(0, eq)));
        auto value = trim(pair.substr(eq + 1));
        if (name == "for") hop.address = node_address(value);
        if (value.size() >= 2 && value.front() == '"') value = value.substr(1, value.size() - 2);
        if (name == "proto") hop.proto = std::string(value);
        if (name == "host") hop.host = std::string(value);
      }
      hops.push_back(std::move(hop));
    }
    return hops;
  }
  const std::string xff = request.header_list("x-forwarded-for");
  if (xff.empty()) return hops;
  for (auto node : split(xff, ',')) hops.push_back(Hop{node_address(node), {}, {}});
  return hops;
}

/// The right-most element of a list-valued header: the one the nearest proxy wrote.
std::string last_element(const Request& request, std::string_view lower_name) {
  const std::string joined = request.header_list(lower_name);
  if (joined.empty()) return {};
  return std::string(split(joined, ',').back());
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string s(text);
  IpAddress a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.v4 = true;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
  static constexpr std::array<std::uint8_t, 12> kMapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMapped.begin(), kMapped.end(), a.bytes.begin())) {
    std::copy(a.bytes.begin() + 12, a.bytes.end(), a.bytes.begin());
    std::fill(a.bytes.begin() + 4, a.bytes.end(), 0);
    a.v4 = true;
  }
  return a;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(v4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf) == nullptr) return {};
  return buf;
}

Result<AddressList, std::string> AddressList::parse(const std::vector<std::string>& entries) {
  AddressList list;
  for (const auto& entry : entries) {
    std::string_view text = trim(entry);
    const auto slash = text.find('/');
    auto base = IpAddress::parse(text.substr(0, slash));
    if (!base) return unexpected("\"" + entry + "\" is not an IP address or network (such as 10.0.0.0/8 or 2001:db8::/32)");
    int prefix = base->v4 ? 32 : 128;
    if (slash != std::string_view::npos) {
      const auto digits = text.substr(slash + 1);
      int p = -1;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), p);
      if (ec != std::errc() || end != digits.data() + digits.size() || p < 0 || p > prefix)
        return unexpected("\"" + entry + "\" has a bad prefix length (0 to " + std::to_string(prefix) + ")");
      prefix = p;
    }
    list.networks_.push_back({*base, prefix});
  }
  return list;
}

bool AddressList::contains(const IpAddress& a) const {
  return std::any_of(networks_.begin(), networks_.end(), [&](const Network& n) {
    if (n.base.v4 != a.v4) return false;
    const int full = n.prefix / 8;
    if (!std::equal(a.bytes.begin(), a.bytes.begin() + full, n.base.bytes.begin())) return false;
    const int rest = n.prefix % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    return (a.bytes[static_cast<std::size_t>(full)] & mask) == (n.base.bytes[static_cast<std::size_t>(full)] & mask);
  });
}

bool is_public_address(std::string_view address) {
  static const AddressList kNotPublic = *AddressList::parse({
      "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
      "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/3",
      "::/127", "64:ff9b::/96", "64:ff9b:1::/48", "2002::/16", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10", "ff00::/8"});
  auto a = IpAddress::parse(address);
  return a && !kNotPublic.contains(*a);
}

bool AddressList::contains(std::string_view address) const {
  auto a = IpAddress::parse(address);
  return a && contains(*a);
}

std::optional<ForwardedHeader> parse_forwarded_header(std::string_view name) {
  if (name == "x-forwarded-for") return ForwardedHeader::kXForwardedFor;
  if (name == "forwarded") return ForwardedHeader::kForwarded;
  return std::nullopt;
}

ClientInfo client_info(const Request& request, const AddressList& trusted_proxies, ForwardedHeader header) {
  if (trusted_proxies.empty()) return ClientInfo{request.remote_address, {}, {}};
  auto peer = IpAddress::parse(request.remote_address);
  ClientInfo info{peer ? peer->to_string() : request.remote_address, {}, {}};
  if (!peer || !trusted_proxies.contains(*peer)) return info;
  if (header == ForwardedHeader::kXForwardedFor) {
    info.proto = last_element(request, "x-forwarded-proto");
    info.host = last_element(request, "x-forwarded-host");
  }
  const auto hops = forwarded_hops(request, header);
  // From the nearest hop leftwards: each hop was added by the proxy to its right, which we trust.
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    if (!it->address) break;  // "unknown" or garbage: the last trusted hop is as far as we know
    info.address = it->address->to_string();
    if (!it->proto.empty()) info.proto = it->proto;
    if (!it->host.empty()) info.host = it->host;
    if (!trusted_proxies.contains(*it->address)) break;
  }
  return info;
}

}  // namespace gatehouse::http
