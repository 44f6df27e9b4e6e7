// http::Client's allow_address: checked on the resolved address before any connection, so a URL
// others chose (a CAS proxy callback) cannot reach an address the node may not call.

#include "http/client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace gatehouse::http {
namespace {

/// A listening socket on 127.0.0.1 that never answers; counts the connections it was offered.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::fcntl(fd_, F_SETFL, O_NONBLOCK);
  }
  ~Listener() { ::close(fd_); }
  int port() const { return port_; }
  int accepted() {
    int n = 0;
    for (int c; (c = ::accept(fd_, nullptr, nullptr)) >= 0; ++n) ::close(c);
    return n;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

ClientOptions quick() {
  ClientOptions o;
  o.connect_timeout = o.handshake_timeout = o.response_timeout = std::chrono::milliseconds(200);
  return o;
}

TEST(HttpClient, AnAddressTheCallerRefusesIsNeverConnectedTo) {
  Listener listener;
  const std::string url = "http://127.0.0.1:" + std::to_string(listener.port()) + "/cb";
  auto refusing = quick();
  std::vector<std::string> asked;
  refusing.allow_address = [&](const std::string& a) {
    asked.push_back(a);
    return false;
  };
  auto r = Client(refusing).get(url, {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no address calls may go to"), std::string::npos) << r.error().message;
  EXPECT_EQ(asked, std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(listener.accepted(), 0);
  auto allowing = quick();
  allowing.allow_address = [](const std::string&) { return true; };
  auto timed_out = Client(allowing).post(url, {{"Content-Type", "text/plain"}}, "x");
  ASSERT_FALSE(timed_out);
  EXPECT_EQ(timed_out.error().kind, ClientError::Kind::kTimeout) << timed_out.error().message;
  EXPECT_EQ(listener.accepted(), 1) << "allowed: connected (and the silent peer timed out)";
}

}  // namespace
}  // namespace gatehouse::http
