#include "core/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace gatehouse::metrics {

void HistogramData::observe(double seconds) {
  const auto it = std::lower_bound(kLatencyBuckets.begin(), kLatencyBuckets.end(), seconds);
  if (it != kLatencyBuckets.end()) ++buckets[static_cast<std::size_t>(it - kLatencyBuckets.begin())];
  ++count;
  sum += seconds;
}

void HistogramData::add(const HistogramData& other) {
  for (std::size_t i = 0; i < buckets.size(); ++i) buckets[i] += other.buckets[i];
  count += other.count;
  sum += other.sum;
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[32];
  if (value == std::trunc(value) && std::abs(value) < 1e15) {
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<long long>(value));
    return std::string(buf, end);
  }
  // Shortest round-trip digits; plain decimals in the usual range ("0.0005", not "5e-04").
  const double magnitude = std::abs(value);
  auto [end, ec] = magnitude >= 1e-6 && magnitude < 1e15 ? std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed)
                                                         : std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, end);
}

void Writer::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  for (char c : help) out_ += c == '\n' ? ' ' : c;
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void Writer::labels(const Labels& labels, std::string_view le) {
  if (labels.empty() && le.empty()) return;
  out_ += '{';
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out_ += ',';
    first = false;
    out_ += k;
    out_ += "=\"";
    out_ += escape_label_value(v);
    out_ += '"';
  }
  if (!le.empty()) {
    if (!first) out_ += ',';
    out_ += "le=\"";
    out_ += le;
    out_ += '"';
  }
  out_ += '}';
}

void Writer::sample(std::string_view name, const Labels& l, double value) {
  out_ += name;
  labels(l);
  out_ += ' ';
  out_ += format_value(value);
  out_ += '\n';
}

void Writer::histogram(std::string_view name, const Labels& l, const HistogramData& data) {
  const std::string bucket = std::string(name) + "_bucket";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    cumulative += data.buckets[i];
    out_ += bucket;
    labels(l, format_value(kLatencyBuckets[i]));
    out_ += ' ' + format_value(static_cast<double>(cumulative)) + '\n';
  }
  out_ += bucket;
  labels(l, "+Inf");
  out_ += ' ' + format_value(static_cast<double>(data.count)) + '\n';
  sample(std::string(name) + "_sum", l, data.sum);
  sample(std::string(name) + "_count", l, static_cast<double>(data.count));
}

CounterFamily::CounterFamily(std::string name, std::string help, std::vector<std::string> label_names)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}

void CounterFamily::add(const std::vector<std::string_view>& values, std::uint64_t n) {
  std::vector<std::string> key(values.begin(), values.end());
  key.resize(label_names_.size());
  std::lock_guard lock(mutex_);
  series_[std::move(key)] += n;
}

std::uint64_t CounterFamily::value(const std::vector<std::string_view>& values) const {
  std::vector<std::string> key(values.begin(), values.end());
  key.resize(label_names_.size());
  std::lock_guard lock(mutex_);
  auto it = series_.find(key);
  return it == series_.end() ? 0 : it->second;
}

void CounterFamily::write(Writer& out) const {
  out.family(name_, "counter", help_);
  std::lock_guard lock(mutex_);
  for (const auto& [values, n] : series_) {
    Labels labels;
    for (std::size_t i = 0; i < label_names_.size(); ++i) labels.emplace_back(label_names_[i], values[i]);
    out.sample(name_, labels, static_cast<double>(n));
  }
}

}  // namespace gatehouse::metrics
