#include "http/address.hpp"

#include <gtest/gtest.h>

#include "http/message.hpp"

namespace gatehouse::http {
namespace {

AddressList list(std::vector<std::string> entries) { return *AddressList::parse(entries); }

Request from(std::string peer, std::vector<Header> headers = {}) {
  Request r;
  r.remote_address = std::move(peer);
  r.headers = std::move(headers);
  return r;
}

TEST(AddressList, MatchesNetworksOfBothFamiliesAndMappedAddresses) {
  const auto l = list({"10.0.0.0/8", "192.168.1.7", "2001:db8::/32", "172.16.0.0/12"});
  EXPECT_TRUE(l.contains("10.1.2.3"));
  EXPECT_TRUE(l.contains("::ffff:10.1.2.3"));
  EXPECT_TRUE(l.contains("192.168.1.7"));
  EXPECT_FALSE(l.contains("192.168.1.8"));
  EXPECT_TRUE(l.contains("172.31.255.255"));
  EXPECT_FALSE(l.contains("172.32.0.1"));
  EXPECT_TRUE(l.contains("2001:db8:1::5"));
  EXPECT_TRUE(l.contains("[2001:db8::1]"));
  EXPECT_FALSE(l.contains("2001:db9::1"));
  EXPECT_FALSE(l.contains("not an address"));
  EXPECT_FALSE(l.contains(""));
  EXPECT_TRUE(list({"0.0.0.0/0"}).contains("8.8.8.8"));
  EXPECT_FALSE(list({"0.0.0.0/0"}).contains("::1"));
  EXPECT_FALSE(list({}).contains("127.0.0.1"));
}

TEST(PublicAddress, InternalAndSpecialAddressesAreNotPublic) {
  for (const char* internal : {"127.0.0.1", "10.1.2.3", "172.20.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
                               "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fd00::1",
                               "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2001:db8::1", "64:ff9b::a00:5", "2002:a00:5::1",
                               "not an address"})
    EXPECT_FALSE(is_public_address(internal)) << internal;
  for (const char* external : {"8.8.8.8", "1.1.1.1", "172.32.0.1", "2606:4700::1111"})
    EXPECT_TRUE(is_public_address(external)) << external;
}

TEST(AddressList, BadEntriesAreNamed) {
  for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0/8", "example.com", "10.0.0.0/8x", ""}) {
    auto parsed = AddressList::parse({bad});
    ASSERT_FALSE(parsed) << bad;
    EXPECT_NE(parsed.error().find(bad), std::string::npos) << parsed.error();
  }
}

TEST(ClientInfo, ForwardedHeadersCountOnlyFromTrustedProxies) {
  const auto proxies = list({"10.0.0.0/8"});
  // Not a proxy: the headers are anybody's claims.
  auto info = client_info(from("203.0.113.9", {{"x-forwarded-for", "1.2.3.4"}, {"x-forwarded-proto", "https"}}), proxies);
  EXPECT_EQ(info.address, "203.0.113.9");
  EXPECT_EQ(info.proto, "");
  // No proxies configured: the same.
  EXPECT_EQ(client_info(from("10.0.0.1", {{"x-forwarded-for", "1.2.3.4"}}), list({})).address, "10.0.0.1");
  // A trusted proxy: the client it names.
  info = client_info(from("10.0.0.1", {{"x-forwarded-for", "198.51.100.7"}, {"x-forwarded-proto", "https"},
                                       {"x-forwarded-host", "id.example.com"}}),
                     proxies);
  EXPECT_EQ(info.address, "198.51.100.7");
  EXPECT_EQ(info.proto, "https");
  EXPECT_EQ(info.host, "id.example.com");
  // A chain: spoofed entries left of the first untrusted hop are ignored.
  info = client_info(from("10.0.0.1", {{"x-forwarded-for", "6.6.6.6, 198.51.100.7, 10.0.0.2"}}), proxies);
  EXPECT_EQ(info.address, "198.51.100.7");
  // Garbage in the chain: the last trusted hop is as far as we can tell.
  EXPECT_EQ(client_info(from("10.0.0.1", {{"x-forwarded-for", "nonsense, 10.0.0.2"}}), proxies).address, "10.0.0.2");
  EXPECT_EQ(client_info(from("::ffff:10.0.0.1", {{"x-forwarded-for", "198.51.100.7:5555"}}), proxies).address,
            "198.51.100.7");
}

TEST(ClientInfo, TheForwardedHeaderIsParsedPerRfc7239WhenConfigured) {
  const auto proxies = list({"10.0.0.0/8", "fd00::/8"});
  const auto fwd = ForwardedHeader::kForwarded;
  auto info = client_info(from("10.0.0.1", {{"forwarded", R"(for="[2001:db8:cafe::17]:4711";proto=https;host="id.example.com", for=10.0.0.9)"},
                                            {"x-forwarded-for", "6.6.6.6"}}),
                          proxies, fwd);
  EXPECT_EQ(info.address, "2001:db8:cafe::17");
  EXPECT_EQ(info.proto, "https");
  EXPECT_EQ(info.host, "id.example.com");
  EXPECT_EQ(client_info(from("10.0.0.1", {{"forwarded", "For=192.0.2.60;Proto=http;By=203.0.113.43"}}), proxies, fwd).address,
            "192.0.2.60");
  EXPECT_EQ(client_info(from("10.0.0.1", {{"forwarded", "for=unknown"}}), proxies, fwd).address, "10.0.0.1");
  // Configured for Forwarded, X-Forwarded-* say nothing.
  info = client_info(from("10.0.0.1", {{"x-forwarded-for", "6.6.6.6"}, {"x-forwarded-proto", "https"}}), proxies, fwd);
  EXPECT_EQ(info.address, "10.0.0.1");
  EXPECT_EQ(info.proto, "");
}

// What HAProxy's `option forwardfor` and nginx's `$proxy_add_x_forwarded_for` send when the
// client forged headers: the proxy's word comes last, the client's first, and the client wrote
// a Forwarded header the proxy passed on untouched.
TEST(ClientInfo, ForgedHeadersBeforeTheProxysOwnDoNotChooseTheAddress) {
  const auto proxies = list({"10.0.0.0/8"});
  // HAProxy: its own X-Forwarded-For line after the client's.
  auto haproxy = from("10.0.0.1", {{"x-forwarded-for", "6.6.6.6"}, {"forwarded", "for=7.7.7.7"},
                                   {"x-forwarded-for", "203.0.113.5"}, {"x-forwarded-proto", "https"}});
  auto info = client_info(haproxy, proxies);
  EXPECT_EQ(info.address, "203.0.113.5");
  EXPECT_EQ(info.proto, "https");
  // nginx: one line, the client's value then the address it saw.
  auto nginx = from("10.0.0.1", {{"forwarded", "for=7.7.7.7"}, {"x-forwarded-for", "6.6.6.6, 203.0.113.5"}});
  EXPECT_EQ(client_info(nginx, proxies).address, "203.0.113.5");
  // Two proxies of ours, each adding a line: both skipped.
  auto chain = from("10.0.0.1", {{"x-forwarded-for", "6.6.6.6, 10.9.9.9"}, {"x-forwarded-for", "203.0.113.5"},
                                 {"x-forwarded-for", "10.0.0.2"}});
  EXPECT_EQ(client_info(chain, proxies).address, "203.0.113.5");
  // A client-written Forwarded header never wins in the default mode, even alone.
  EXPECT_EQ(client_info(from("10.0.0.1", {{"forwarded", "for=7.7.7.7"}}), proxies).address, "10.0.0.1");
  // In Forwarded mode, repeated lines are joined the same way.
  auto fwd = from("10.0.0.1", {{"forwarded", "for=7.7.7.7"}, {"x-forwarded-for", "6.6.6.6"}, {"forwarded", "for=203.0.113.5;proto=https"}});
  info = client_info(fwd, proxies, ForwardedHeader::kForwarded);
  EXPECT_EQ(info.address, "203.0.113.5");
  EXPECT_EQ(info.proto, "https");
  // The proto and host of X-Forwarded-* are the nearest proxy's (the right-most value).
  info = client_info(from("10.0.0.1", {{"x-forwarded-for", "203.0.113.5"}, {"x-forwarded-proto", "http"},
                                       {"x-forwarded-proto", "https"}, {"x-forwarded-host", "evil.example, id.example.com"}}),
                     proxies);
  EXPECT_EQ(info.proto, "https");
  EXPECT_EQ(info.host, "id.example.com");
}

TEST(ClientInfo, ForwardedHeaderNamesParse) {
  EXPECT_EQ(parse_forwarded_header("x-forwarded-for"), ForwardedHeader::kXForwardedFor);
  EXPECT_EQ(parse_forwarded_header("forwarded"), ForwardedHeader::kForwarded);
  EXPECT_FALSE(parse_forwarded_header("X-Forwarded-For"));
  EXPECT_FALSE(parse_forwarded_header("x-real-ip"));
  EXPECT_FALSE(parse_forwarded_header(""));
}

TEST(Request, HeaderListJoinsEveryLineInOrder) {
  auto r = from("10.0.0.1", {{"x-forwarded-for", "1.1.1.1"}, {"accept", "*/*"}, {"x-forwarded-for", "2.2.2.2, 3.3.3.3"}});
  EXPECT_EQ(r.header_list("x-forwarded-for"), "1.1.1.1, 2.2.2.2, 3.3.3.3");
  EXPECT_EQ(r.header_list("accept"), "*/*");
  EXPECT_EQ(r.header_list("forwarded"), "");
}

}  // namespace
}  // namespace gatehouse::http
