#pragma once
// A TCP listener on 127.0.0.1 whose connections the kernel accepts (the backlog) and nobody ever
// reads: from outside, a directory server that stopped (SIGSTOP). For the directory tests.

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

namespace gatehouse::directory::testing {

class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 16);
    ::fcntl(fd_, F_SETFL, O_NONBLOCK);  // hang_up() takes what is waiting and returns
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~SilentServer() {
    if (answerer_.joinable()) answerer_.join();
    if (answered_ >= 0) ::close(answered_);
    ::close(fd_);
  }

  /// Takes the connections waiting in the backlog and resets them (RST): from outside, a server
  /// that went away while a client was connected. A later write by the client fails with EPIPE.
  void hang_up() {
    for (int c; (c = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK)) >= 0;) {
      const linger reset{.l_onoff = 1, .l_linger = 0};
      ::setsockopt(c, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
      ::close(c);
    }
  }
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;
  /// Answers the first connection's first request with `bytes` (then keeps it open, silent):
  /// from outside, a broken or hostile server. Runs on a thread of its own until destroyed.
  void answer_with(std::string bytes) {
    answerer_ = std::thread([this, bytes = std::move(bytes)] {
      pollfd waiting{.fd = fd_, .events = POLLIN, .revents = 0};
      if (::poll(&waiting, 1, 5000) != 1) return;  // nobody came within 5 s
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char request[4096];
      if (::recv(c, request, sizeof request, 0) > 0) ::send(c, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      answered_ = c;  // closed by the destructor
    });
  }
  std::string url(const char* scheme = "ldap") const { return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread answerer_;
  int answered_ = -1;
};

}  // namespace gatehouse::directory::testing
