#include "app/logging.hpp"

#include <chrono>
#include <cstdio>

#include <boost/json.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "core/log.hpp"

namespace gatehouse::app {
namespace {

std::shared_ptr<LogRing> g_ring;  // the composition root's: set once by setup_logging
std::string g_node_id;

std::string timestamp(spdlog::log_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

std::string format_json(const spdlog::details::log_msg& msg) {
  const auto level = spdlog::level::to_string_view(msg.level);
  return json_log_line(timestamp(msg.time), std::string_view(level.data(), level.size()), g_node_id,
                       logging::current_request_id, std::string_view(msg.payload.data(), msg.payload.size()));
}

/// spdlog formatter writing format_json() lines.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto line = format_json(msg);
    dest.append(line.data(), line.data() + line.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

}  // namespace

std::string json_log_line(std::string_view ts, std::string_view level, std::string_view node, std::string_view request_id,
                          std::string_view message) {
  // Boost.JSON escapes what RFC 8259 requires (quotes, backslashes, control characters).
  boost::json::object line{{"ts", ts}, {"level", level}, {"node", node}};
  if (!request_id.empty()) line["request_id"] = request_id;
  line["msg"] = message;
  return boost::json::serialize(line);
}

std::vector<LogRing::Line> LogRing::recent(std::uint64_t after, std::size_t limit) {
  std::lock_guard lock(mutex_);
  std::vector<Line> out;
  for (const auto& line : lines_)
    if (line.seq > after) out.push_back(line);
  if (out.size() > limit) out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(limit));
  return out;
}

void LogRing::sink_it_(const spdlog::details::log_msg& msg) {
  lines_.push_back(Line{next_++, format_json(msg)});
  while (lines_.size() > capacity_) lines_.pop_front();
}

void setup_logging(const std::string& level, const std::string& format, const std::string& node_id,
                   std::shared_ptr<LogRing> ring) {
  g_node_id = node_id;
  g_ring = ring;
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  if (format == "text") {
    console->set_formatter(std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v"));
  } else {
    console->set_formatter(std::make_unique<JsonFormatter>());
  }
  std::vector<spdlog::sink_ptr> sinks{console};
  if (ring) sinks.push_back(ring);
  auto logger = std::make_shared<spdlog::logger>("gatehouse", sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

std::shared_ptr<LogRing> log_ring() { return g_ring; }

}  // namespace gatehouse::app
