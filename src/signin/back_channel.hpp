#pragma once
// A background sender of back-channel logout messages: CAS logoutRequests and SAML LogoutRequests
// by SOAP go to the services of a session that ended, from the node that ended it. Sending is
// asynchronous, with a bounded queue and a bounded number of attempts, so a slow or dead service
// never holds up anyone's logout. Thread safe.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace gatehouse::signin {

/// One message for one service.
struct BackChannelMessage {
  std::string url;
  std::string content_type;  ///< e.g. application/x-www-form-urlencoded, text/xml
  std::string body;          ///< what is posted, unless `build` is set
  std::string what;          ///< for the logs: "CAS single logout", "SAML single logout"
  /// When set, makes the body on the sender's thread at each attempt: a fresh message ID and
  /// IssueInstant, and any signature made outside the unit of work that ended the session.
  /// nullopt: the message cannot be made (no signing key), and is abandoned.
  std::function<std::optional<std::string>()> build;
};

class BackChannelSender {
 public:
  /// Posts a message (its body made): the HTTP status, or 0 when no answer came.
  using Post = std::function<int(const BackChannelMessage& message)>;
  struct Options {
    std::size_t max_queue = 10000;                ///< beyond: dropped (and counted)
    int max_attempts = 3;                         ///< per message; a 4xx answer (but 408, 429) is final
    std::chrono::milliseconds retry_delay{2000};  ///< before the 2nd attempt; doubled for each further one
  };
  /// Starts the sender's thread, which posts with `post`.
  BackChannelSender(Post post, Options options);
  ~BackChannelSender();  // stops: messages still queued are dropped
  BackChannelSender(const BackChannelSender&) = delete;
  BackChannelSender& operator=(const BackChannelSender&) = delete;

  /// Queues one message; never blocks.
  void send(BackChannelMessage message);
  /// Waits until nothing is queued or in flight, at most `timeout`. @returns true if idle.
  bool wait_idle(std::chrono::milliseconds timeout);

  std::uint64_t delivered() const { return delivered_.load(); }
  std::uint64_t abandoned() const { return abandoned_.load(); }  ///< attempts exhausted, or the queue full

 private:
  struct Queued {
    BackChannelMessage message;
    int attempt = 0;
    std::chrono::steady_clock::time_point due;
  };
  void run(std::stop_token stop);

  Post post_;
  Options options_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::condition_variable idle_;
  std::deque<Queued> queue_;      // guarded by mutex_
  bool busy_ = false;             // guarded by mutex_: a message is being sent
  std::uint64_t generation_ = 0;  // guarded by mutex_: moved by every send()
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> abandoned_{0};
  std::jthread thread_;  // last: started once everything above exists
};

}  // namespace gatehouse::signin
