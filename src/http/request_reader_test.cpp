#include "http/request_reader.hpp"

#include <gtest/gtest.h>

#include "http/testing/memory_stream.hpp"

namespace gatehouse::http {
namespace {

using testing::MemoryStream;
using testing::read_one;

struct Read {
  boost::system::error_code ec;
  std::optional<Request> request;
};

/// Reads the requests of one connection as the server does, `chunk` bytes at a time.
std::vector<Read> read_all(std::string_view bytes, const RequestLimits& limits, std::size_t chunk = 1024,
                           const AddressList& proxies = {}) {
  MemoryStream stream(bytes, chunk);
  boost::beast::flat_buffer buffer(read_buffer_limit(limits));
  std::vector<Read> out;
  for (;;) {
    RequestParser parser;
    Read r{read_one(stream, buffer, parser, limits), std::nullopt};
    if (!r.ec) r.request = to_request(parser.get(), "10.0.0.1", proxies, ForwardedHeader::kXForwardedFor);
    out.push_back(std::move(r));
    if (out.back().ec) return out;
  }
}

TEST(RequestReader, ReadsKeptAliveRequestsSplitAnywhere) {
  const std::string two =
      "POST /token?x=1&y HTTP/1.1\r\nHost: a\r\nContent-Type: Text/Plain\r\nContent-Length: 5\r\n\r\nhello"
      "GET /b HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
  for (std::size_t chunk : {1, 7, 4096}) {
    auto reads = read_all(two, {}, chunk);
    ASSERT_EQ(reads.size(), 3u) << chunk;
    const auto& first = *reads[0].request;
    EXPECT_EQ(first.method, "POST");
    EXPECT_EQ(first.path, "/token");
    EXPECT_EQ(first.query, "x=1&y");
    EXPECT_EQ(first.body, "hello");
    ASSERT_NE(first.header("content-type"), nullptr);  // names in lower case, values as sent
    EXPECT_EQ(*first.header("content-type"), "Text/Plain");
    EXPECT_EQ(reads[1].request->body, "abc");
    EXPECT_EQ(reads[1].request->query, "");
    EXPECT_EQ(reads[2].ec, boost::beast::http::error::end_of_stream);  // the clean close after them
    EXPECT_FALSE(refusal_for(reads[2].ec).has_value());
  }
}

TEST(RequestReader, RefusesWhatIsOverTheLimitsOrMalformed) {
  const RequestLimits tight{128, 16};
  auto status_of = [&](const std::string& bytes) {
    auto reads = read_all(bytes, tight);
    auto refusal = refusal_for(reads.back().ec);
    return refusal ? refusal->status : 0;
  };
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost: a\r\nX-Long: " + std::string(200, 'a') + "\r\n\r\n"), 431);
  EXPECT_EQ(status_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 17\r\n\r\n" + std::string(17, 'b')), 413);
  // Chunked: the body limit counts the data, whatever the framing.
  EXPECT_EQ(status_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n9\r\n123456789\r\n"
                      "9\r\n123456789\r\n0\r\n\r\n"),
            413);
  EXPECT_EQ(status_of("GET / HTTP/1.1\r\nHost a\r\n\r\n"), 400);
  EXPECT_EQ(status_of("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"), 400);
  EXPECT_EQ(status_of("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort"), 0);  // cut short: closed quietly
  const auto refused = refusal_for(boost::beast::http::error::header_limit);
  ASSERT_TRUE(refused.has_value());
  ASSERT_NE(refused->header("Cache-Control"), nullptr);
  EXPECT_EQ(*refused->header("Cache-Control"), "no-store");
}

TEST(RequestReader, TakesTheClientAddressFromTrustedProxiesOnly) {
  const std::string bytes = "GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 198.51.100.7, 10.0.0.2\r\n\r\n";
  auto trusted = read_all(bytes, {}, 1024, *AddressList::parse({"10.0.0.0/8"}));
  EXPECT_EQ(trusted.front().request->client_address, "198.51.100.7");
  auto untrusted = read_all(bytes, {}, 1024, *AddressList::parse({"192.0.2.0/24"}));
  EXPECT_EQ(untrusted.front().request->client_address, "10.0.0.1");
}

}  // namespace
}  // namespace gatehouse::http
