#pragma once
// The CAS members of an application's registration (issue 13): Gatehouse extensions kept in
// extra_metadata as given (like mfa_policy), checked here when a document is registered, and read
// by cas/service_registry.cpp. cas_services and cas_proxy_callbacks are arrays of
// {"match": "exact" | "prefix" | "regex", "url": "..."}; cas_attributes the claim names released;
// cas_sso a boolean; cas_logout_url an absolute http(s) URL.

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace gatehouse::client {

/// The longest url (or regex) of a CAS pattern, and of cas_logout_url.
inline constexpr std::size_t kMaxCasUrlLength = 2048;
/// The most entries of cas_services, cas_proxy_callbacks and cas_attributes.
inline constexpr std::size_t kMaxCasEntries = 100;

/// Checks the value of the CAS member `name`; a regex pattern is compiled (PCRE2, anchored at both
/// ends, as cas::matches() uses it). @returns a message safe to show, or "" when it may be kept.
std::string check_cas_member(std::string_view name, const boost::json::value& value);

}  // namespace gatehouse::client
