#include "http/message.hpp"

#include <algorithm>

#include <boost/json.hpp>

namespace gatehouse::http {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20) || x == y;
         });
}

}  // namespace

const std::string* Request::header(std::string_view lower_name) const {
  for (const auto& h : headers)
    if (h.name == lower_name) return &h.value;
  return nullptr;
}

std::string Request::header_list(std::string_view lower_name) const {
  std::string joined;
  for (const auto& h : headers) {
    if (h.name != lower_name) continue;
    if (!joined.empty()) joined += ", ";
    joined += h.value;
  }
  return joined;
}

std::size_t Request::header_count(std::string_view lower_name) const {
  return static_cast<std::size_t>(std::count_if(
      headers.begin(), headers.end(), [&](const Header& h) { return h.name == lower_name; }));
}

Response& Response::set(std::string_view name, std::string value) {
  for (auto& h : headers) {
    if (iequals(h.name, name)) {
      h.value = std::move(value);
      return *this;
    }
  }
  headers.push_back({std::string(name), std::move(value)});
  return *this;
}

const std::string* Response::header(std::string_view name) const {
  for (const auto& h : headers)
    if (iequals(h.name, name)) return &h.value;
  return nullptr;
}

Response json_response(int status, const boost::json::value& body) {
  Response r;
  r.status = status;
  r.body = boost::json::serialize(body);
  r.set("Content-Type", "application/json");
  return r;
}

Response json_error(int status, std::string_view code, std::string_view message) {
  return json_response(status, boost::json::object{{"error", code}, {"message", message}});
}

Response empty_response(int status) {
  Response r;
  r.status = status;
  return r;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return out;
}

std::string media_type(std::string_view content_type) {
  auto semi = content_type.find(';');
  auto type = content_type.substr(0, semi);
  while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) type.remove_prefix(1);
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  return ascii_lower(type);
}

}  // namespace gatehouse::http
