#pragma once
// The node's log: one JSON object per line on stderr ({"ts","level","node","request_id","msg"}),
// or the classic text line (log.format = "text"), and a bounded ring of the most recent lines that
// GET /api/system/logs serves (each node answers for itself; see admin/system_api).

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <spdlog/sinks/base_sink.h>

namespace gatehouse::app {

/// Formats a record as one JSON object (RFC 8259, control characters escaped) without a newline.
std::string json_log_line(std::string_view ts, std::string_view level, std::string_view node, std::string_view request_id,
                          std::string_view message);

/// The last `capacity` lines, numbered from 1 in the order they were written.
class LogRing final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  struct Line {
    std::uint64_t seq;
    std::string text;  // one JSON object
  };
  explicit LogRing(std::size_t capacity) : capacity_(capacity) {}
  /// The lines after `after` (0: from the oldest kept), oldest first, at most `limit`, newest ones
  /// kept when there are more.
  std::vector<Line> recent(std::uint64_t after, std::size_t limit);

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  std::size_t capacity_;
  std::uint64_t next_ = 1;
  std::deque<Line> lines_;  // guarded by base_sink's mutex
};

/// Installs the default logger: stderr in `format` ("json" or "text") and `ring` (always JSON),
/// at `level`, with `node_id` on every line.
void setup_logging(const std::string& level, const std::string& format, const std::string& node_id,
                   std::shared_ptr<LogRing> ring);

/// The ring setup_logging() installed (nullptr before).
std::shared_ptr<LogRing> log_ring();

}  // namespace gatehouse::app
