#pragma once
// Instants as text: the one ISO 8601 / xs:dateTime form every protocol here writes (CAS's
// authenticationDate and SAML 1.1 IssueInstant, SAML 2.0's instants), so that the formats cannot
// drift apart. Thread safe (gmtime_r).

#include <string>

#include "core/clock.hpp"

namespace gatehouse {

/// `t` as an ISO 8601 instant in UTC, whole seconds, trailing "Z" ("2027-01-15T08:00:00Z"): also
/// xs:dateTime as SAML core §1.3.3 wants it. Never fails; a time outside what the C library can
/// break down gives "1970-01-01T00:00:00Z".
std::string iso8601(UnixSeconds t);

}  // namespace gatehouse
