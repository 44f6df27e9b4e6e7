#include "client/cas_members.hpp"

#include <array>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "client/claim_names.hpp"

namespace gatehouse::client {
namespace {

namespace json = boost::json;

/// An absolute http(s) URL (https only when `https_only`) with a host and neither user information
/// nor a fragment. @returns an error message, or "".
std::string check_url(std::string_view url, bool https_only) {
  if (url.empty() || url.size() > kMaxCasUrlLength) return "must be 1 to 2048 characters";
  auto parsed = boost::urls::parse_uri(url);  // with a fragment, so that it is named
  if (!parsed || parsed->host().empty()) return "'" + std::string(url) + "' is not an absolute URL with a host";
  const auto scheme = parsed->scheme();
  if (https_only ? scheme != "https" : scheme != "https" && scheme != "http")
    return "'" + std::string(url) + "' must use " + (https_only ? "https" : "http or https");
  if (parsed->has_userinfo()) return "'" + std::string(url) + "' must not contain user information (@)";
  if (parsed->encoded_host().find('%') != std::string_view::npos)
    return "'" + std::string(url) + "' must not percent-encode its host";
  if (parsed->has_fragment()) return "'" + std::string(url) + "' must not contain a fragment";
  return "";
}

/// Compiles the pattern with the options cas::matches() uses. @returns PCRE2's complaint, or "".
std::string check_regex(std::string_view pattern) {
  if (pattern.empty() || pattern.size() > kMaxCasUrlLength) return "must be 1 to 2048 characters";
  int code = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                 PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_NEVER_UTF | PCRE2_NEVER_BACKSLASH_C, &code,
                                 &offset, nullptr);
  if (re != nullptr) {
    pcre2_code_free(re);
    return "";
  }
  std::array<PCRE2_UCHAR, 256> text{};
  if (pcre2_get_error_message(code, text.data(), text.size()) < 0) return "is not a valid regular expression";
  return "is not a valid regular expression (PCRE2 at offset " + std::to_string(offset) +
         "): " + reinterpret_cast<const char*>(text.data());
}

/// One {"match": ..., "url": ...} entry.
std::string check_pattern(const json::value& v, bool https_only) {
  if (!v.is_object() || v.get_object().size() != 2 || !v.get_object().contains("match") ||
      !v.get_object().contains("url"))
    return "must be an object with exactly the members \"match\" and \"url\"";
  const auto& match = v.get_object().at("match");
  const auto& url = v.get_object().at("url");
  if (!url.is_string()) return "url must be a string";
  const std::string_view text = url.get_string();
  if (match == "regex") return check_regex(text);
  if (match == "exact" || match == "prefix") return check_url(text, https_only);
  return "match must be \"exact\", \"prefix\" or \"regex\"";
}

std::string check_patterns(const json::value& v, bool https_only) {
  if (!v.is_array() || v.get_array().size() > kMaxCasEntries)
    return "must be an array of at most 100 {\"match\", \"url\"} objects";
  const auto& entries = v.get_array();
  for (std::size_t i = 0; i < entries.size(); ++i)
    if (auto err = check_pattern(entries[i], https_only); !err.empty())
      return "entry " + std::to_string(i + 1) + ": " + err;
  return "";
}

}  // namespace

std::string check_cas_member(std::string_view name, const json::value& value) {
  if (name == "cas_services") return check_patterns(value, false);
  // A proxy-granting ticket is a credential: it only ever goes over https (CAS Protocol 3.0 §2.5.4).
  if (name == "cas_proxy_callbacks") return check_patterns(value, true);
  if (name == "cas_attributes") return check_claim_names(value, kMaxCasEntries);
  if (name == "cas_sso") return value.is_bool() ? "" : "must be true or false";
  if (name == "cas_logout_url") return value.is_string() ? check_url(value.get_string(), false) : "must be a string";
  return "is not a CAS member";
}

}  // namespace gatehouse::client
