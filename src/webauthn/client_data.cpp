#include "webauthn/client_data.hpp"

#include <algorithm>
#include <string>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "jose/openssl/crypto.hpp"

namespace gatehouse::webauthn {

namespace {

Unexpected<CeremonyError> fail(CeremonyErrorCode code, std::string message, std::string detail = {}) {
  return unexpected(CeremonyError{code, std::move(message), std::move(detail)});
}

const boost::json::string* string_member(const boost::json::object& obj, std::string_view name) {
  const boost::json::value* v = obj.if_contains(name);
  return v != nullptr ? v->if_string() : nullptr;
}

// Only printable ASCII of bounded length goes into a log line; anything else is summarised.
std::string loggable(std::string_view s) {
  constexpr std::size_t kMax = 200;
  const bool printable = std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  if (!printable) return "(" + std::to_string(s.size()) + " bytes, not printable)";
  return std::string(s.substr(0, kMax));
}

// §5.8.1: tokenBinding, when present, is {"status": "present" | "supported", "id"?}. Gatehouse
// does not use token binding, so a client that says it bound the TLS connection is refused.
Result<void, CeremonyError> check_token_binding(const boost::json::object& obj) {
  const boost::json::value* tb = obj.if_contains("tokenBinding");
  if (tb == nullptr) return {};
  const boost::json::object* tb_obj = tb->if_object();
  const boost::json::string* status = tb_obj != nullptr ? string_member(*tb_obj, "status") : nullptr;
  if (status == nullptr) {
    return fail(CeremonyErrorCode::kClientDataMalformed, "clientDataJSON.tokenBinding is not an object with a status");
  }
  if (*status == "present") {
    return fail(CeremonyErrorCode::kTokenBindingUnsupported, "token binding is not supported by this site");
  }
  return {};
}

}  // namespace

Result<void, CeremonyError> check_client_data(const RelyingParty& rp, std::string_view client_data_json,
                                              ClientDataType type, std::string_view expected_challenge) {
  if (client_data_json.size() > kMaxClientDataJsonSize) {
    return fail(CeremonyErrorCode::kInputTooLarge, "clientDataJSON is too large");
  }
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(client_data_json, ec);  // refuses invalid UTF-8
  const boost::json::object* obj = ec ? nullptr : doc.if_object();
  if (obj == nullptr) return fail(CeremonyErrorCode::kClientDataMalformed, "clientDataJSON is not a JSON object");
  const boost::json::string* got_type = string_member(*obj, "type");
  const boost::json::string* challenge = string_member(*obj, "challenge");
  const boost::json::string* origin = string_member(*obj, "origin");
  if (got_type == nullptr || challenge == nullptr || origin == nullptr) {
    return fail(CeremonyErrorCode::kClientDataMalformed, "clientDataJSON lacks a string type, challenge or origin");
  }
  const std::string_view want_type = type == ClientDataType::kCreate ? "webauthn.create" : "webauthn.get";
  if (*got_type != want_type) {
    return fail(CeremonyErrorCode::kWrongType, "clientDataJSON.type is not \"" + std::string(want_type) + "\"",
                "type=" + loggable(*got_type));
  }
  // The challenge is compared as base64url text, as §7.1 step 8 says; an empty expected value
  // (a caller bug) must never match an empty challenge.
  if (expected_challenge.empty() || !jose::constant_time_equal(*challenge, expected_challenge)) {
    return fail(CeremonyErrorCode::kChallengeMismatch,
                "the challenge does not match the one this site issued (expired or replayed?)");
  }
  const std::string_view got_origin = *origin;
  if (std::find(rp.origins.begin(), rp.origins.end(), got_origin) == rp.origins.end()) {
    return fail(CeremonyErrorCode::kOriginMismatch, "the request came from an origin this site does not accept",
                "origin=" + loggable(got_origin));
  }
  if (const boost::json::value* cross = obj->if_contains("crossOrigin"); cross != nullptr) {
    if (!cross->is_bool()) return fail(CeremonyErrorCode::kClientDataMalformed, "clientDataJSON.crossOrigin is not a boolean");
    if (cross->get_bool()) {
      return fail(CeremonyErrorCode::kCrossOrigin, "the request came from a page embedded from another origin");
    }
  }
  return check_token_binding(*obj);
}

}  // namespace gatehouse::webauthn
