#include "ldap_binds.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <latch>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "directory/connection.hpp"
#include "report.hpp"

namespace gatehouse::bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kPauseAfterError{10};  // a dead server must not make a busy loop
constexpr std::size_t kMaxFileBytes = 256u << 20;

std::string describe(const directory::LdapError& e) {
  return e.message + (e.diagnostic.empty() ? "" : " (" + e.diagnostic + ")");
}

/// What every thread shares: the window (written before `go` opens, read only after) and the
/// counters the progress line reads.
struct Shared {
  const LdapBindOptions& opt;
  directory::Endpoint endpoint;
  std::latch ready;  // every thread connected and bound once (or failed to)
  std::latch go;     // the window is set: measure
  Clock::time_point measure_start{}, measure_end{};
  std::atomic<bool> abort{false};
  std::atomic<std::uint64_t> done{0}, errors{0};
  std::mutex m;
  std::string fatal;        // guarded by m: why a thread could not start
  std::string first_error;  // guarded by m

  Shared(const LdapBindOptions& o, int threads) : opt(o), ready(threads), go(1) {
    endpoint.url = o.url;
  }
  void note(std::string& slot, const std::string& text) {
    std::lock_guard lock(m);
    if (slot.empty()) slot = text;
  }
};

/// One thread's count; merged once every thread is done.
struct Tally {
  std::uint64_t binds = 0, warmup_binds = 0, errors = 0, reconnects = 0;
  std::vector<double> latencies_ms;
};

class Binder {
 public:
  Binder(Shared& s, Tally& t, std::size_t first) : s_(s), t_(t), next_(first % s.opt.dns.size()) {}

  void run() {
    if (!start()) {
      s_.ready.count_down();
      return;
    }
    s_.ready.count_down();
    s_.go.wait();
    while (!s_.abort.load(std::memory_order_relaxed) && Clock::now() < s_.measure_end) once();
  }

 private:
  /// Connects and binds once, before the clock: a failure here means the bench is misconfigured.
  bool start() {
    auto c = directory::Connection::open(s_.endpoint);
    if (!c) {
      s_.note(s_.fatal, describe(c.error()));
      return false;
    }
    conn_ = std::move(*c);
    const auto& dn = s_.opt.dns[next_];
    if (auto b = conn_->bind(dn, s_.opt.password); !b) {
      s_.note(s_.fatal, "the first bind, as " + dn + ": " + describe(b.error()));
      return false;
    }
    return true;
  }

  void once() {
    const auto& dn = s_.opt.dns[next_];
    next_ = (next_ + 1) % s_.opt.dns.size();
    if (!conn_ && !reopen()) return;
    const auto t0 = Clock::now();
    auto b = conn_->bind(dn, s_.opt.password);
    const auto t1 = Clock::now();
    if (!b) {
      failed("bind as " + dn + ": " + describe(b.error()));
      if (conn_->broken()) conn_.reset();
      return;
    }
    s_.done.fetch_add(1, std::memory_order_relaxed);
    if (t1 < s_.measure_start) {
      ++t_.warmup_binds;
    } else if (t1 <= s_.measure_end) {
      ++t_.binds;
      t_.latencies_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
  }

  bool reopen() {
    ++t_.reconnects;
    auto c = directory::Connection::open(s_.endpoint);
    if (!c) {
      failed("reconnecting: " + describe(c.error()));
      return false;
    }
    conn_ = std::move(*c);
    return true;
  }

  void failed(const std::string& what) {
    ++t_.errors;
    s_.errors.fetch_add(1, std::memory_order_relaxed);
    {
      std::lock_guard lock(s_.m);
      if (s_.first_error.empty()) {
        s_.first_error = what;
        std::fprintf(stderr, "[flowgen] first error (the run goes on): %s\n", what.c_str());
      }
    }
    std::this_thread::sleep_for(kPauseAfterError);
  }

  Shared& s_;
  Tally& t_;
  std::size_t next_;
  std::unique_ptr<directory::Connection> conn_;
};

/// One line a second on stderr while the threads run, until `end` (plus the stragglers' time).
void report_progress(Shared& s, Clock::time_point end) {
  std::uint64_t last_done = 0;
  auto last = Clock::now();
  while (Clock::now() < end) {
    std::this_thread::sleep_until(std::min(end, last + std::chrono::seconds(1)));
    const auto now = Clock::now();
    const auto done = s.done.load();
    const double rate = static_cast<double>(done - last_done) / std::chrono::duration<double>(now - last).count();
    std::fprintf(stderr, "[flowgen] ldap-binds %s: %s binds/s in the last second; %llu errors\n",
                 now < s.measure_start ? "warm-up" : "measuring", fixed(rate, 1).c_str(),
                 static_cast<unsigned long long>(s.errors.load()));
    last_done = done;
    last = now;
  }
}

std::string result_line(const LdapBindOptions& o, const std::vector<Tally>& tallies) {
  Tally all;
  for (const auto& t : tallies) {
    all.binds += t.binds;
    all.warmup_binds += t.warmup_binds;
    all.errors += t.errors;
    all.reconnects += t.reconnects;
    all.latencies_ms.insert(all.latencies_ms.end(), t.latencies_ms.begin(), t.latencies_ms.end());
  }
  auto& lat = all.latencies_ms;
  std::sort(lat.begin(), lat.end());
  double sum = 0;
  for (double v : lat) sum += v;
  const double n = static_cast<double>(std::max<std::uint64_t>(all.binds, 1));
  return "result mode=ldap-binds flows=" + std::to_string(all.binds) + " seconds=" + fixed(o.seconds, 2) +
         " rate=" + fixed(static_cast<double>(all.binds) / o.seconds, 1) + " errors=" + std::to_string(all.errors) +
         " p50_ms=" + fixed(percentile(lat, 0.50), 2) + " p90_ms=" + fixed(percentile(lat, 0.90), 2) +
         " p99_ms=" + fixed(percentile(lat, 0.99), 2) + " max_ms=" + fixed(lat.empty() ? 0 : lat.back(), 2) +
         " mean_ms=" + fixed(sum / n, 2) + " concurrency=" + std::to_string(o.concurrency) +
         " warmup_flows=" + std::to_string(all.warmup_binds) + " reconnects=" + std::to_string(all.reconnects) +
         " users=" + std::to_string(o.dns.size());
}

}  // namespace

Result<std::vector<std::string>, std::string> dns_from_pattern(std::string_view pattern, long count) {
  const auto at = pattern.find("%d");
  if (at == std::string_view::npos || pattern.find("%d", at + 2) != std::string_view::npos)
    return unexpected("the DN pattern must contain \"%d\" exactly once (the user's number), got '" + std::string(pattern) + "'");
  if (count < 1 || count > kMaxBindUsers)
    return unexpected("the number of users must be 1.." + std::to_string(kMaxBindUsers) + ", got " + std::to_string(count));
  std::vector<std::string> dns;
  dns.reserve(static_cast<std::size_t>(count));
  for (long i = 0; i < count; ++i)
    dns.push_back(std::string(pattern.substr(0, at)) + std::to_string(i) + std::string(pattern.substr(at + 2)));
  return dns;
}

Result<std::vector<std::string>, std::string> dns_from_text(std::string_view text) {
  std::vector<std::string> dns;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    auto line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#') continue;
    line = line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
    if (dns.size() >= static_cast<std::size_t>(kMaxBindUsers))
      return unexpected("more than " + std::to_string(kMaxBindUsers) + " users listed");
    dns.emplace_back(line);
  }
  if (dns.empty()) return unexpected(std::string("no user (DN) listed"));
  return dns;
}

Result<std::vector<std::string>, std::string> dns_from_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected("cannot read the users file '" + path + "'");
  std::string text;
  char chunk[64 * 1024];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes) return unexpected("the users file '" + path + "' is larger than 256 MiB");
  }
  if (in.bad()) return unexpected("cannot read the users file '" + path + "'");
  auto dns = dns_from_text(text);
  if (!dns) return unexpected("users file '" + path + "': " + dns.error());
  return dns;
}

int run_ldap_binds(const LdapBindOptions& o) {
  directory::initialise();
  std::fprintf(stderr, "[flowgen] ldap-binds: %d connections (one thread each) to %s, %zu users, %s s warm-up, %s s measured\n",
               o.concurrency, o.url.c_str(), o.dns.size(), fixed(o.warmup, 1).c_str(), fixed(o.seconds, 1).c_str());
  Shared shared(o, o.concurrency);
  std::vector<Tally> tallies(static_cast<std::size_t>(o.concurrency));
  std::vector<std::thread> threads;
  for (int i = 0; i < o.concurrency; ++i)
    threads.emplace_back([&shared, &tally = tallies[static_cast<std::size_t>(i)], i] {
      Binder(shared, tally, static_cast<std::size_t>(i)).run();
    });
  shared.ready.wait();
  bool failed_to_start = false;
  {
    std::lock_guard lock(shared.m);
    failed_to_start = !shared.fatal.empty();
  }
  shared.measure_start = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.warmup));
  shared.measure_end = shared.measure_start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  if (failed_to_start) shared.abort = true;
  shared.go.count_down();  // the window above happens-before every thread's read of it
  if (!failed_to_start) report_progress(shared, shared.measure_end);
  for (auto& t : threads) t.join();
  if (failed_to_start) {
    std::fprintf(stderr, "gatehouse-flowgen ldap-binds: FAILED: %s\n", shared.fatal.c_str());
    return 2;
  }
  std::printf("%s\n", result_line(o, tallies).c_str());
  std::fflush(stdout);
  std::uint64_t binds = 0;
  for (const auto& t : tallies) binds += t.binds;
  if (shared.errors.load() > 0) {
    std::fprintf(stderr, "gatehouse-flowgen ldap-binds: %llu error(s) during the run; the first: %s\n",
                 static_cast<unsigned long long>(shared.errors.load()), shared.first_error.c_str());
    return 1;
  }
  if (binds == 0) {
    std::fprintf(stderr, "gatehouse-flowgen ldap-binds: no bind completed inside the measured window\n");
    return 1;
  }
  return 0;
}

}  // namespace gatehouse::bench
