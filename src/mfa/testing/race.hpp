#pragma once
// For the mfa contract suites: runs `attempt(i)` on `threads` threads released together and
// counts the attempts that won (returned true).

#include <atomic>
#include <cstddef>
#include <latch>
#include <string>
#include <thread>
#include <vector>

namespace gatehouse::mfa::testing {

template <class Attempt>
int race_winners(int threads, Attempt attempt) {
  std::atomic<int> winners{0};
  std::latch start(threads);
  std::vector<std::thread> racers;
  racers.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i)
    racers.emplace_back([&, i] {
      start.arrive_and_wait();
      if (attempt(i)) winners.fetch_add(1);
    });
  for (auto& racer : racers) racer.join();
  return winners.load();
}

/// Keys no well-behaved caller sends: a zero byte, and bytes that are not UTF-8. A store answers
/// "not found" for them (PostgreSQL text cannot hold them), never a storage error.
inline const std::string kOddKeys[] = {std::string("u\0x", 3), "\xff\xfe"};

}  // namespace gatehouse::mfa::testing
