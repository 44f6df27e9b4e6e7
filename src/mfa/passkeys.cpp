#include "mfa/passkeys.hpp"

#include <boost/json.hpp>

#include "core/base64url.hpp"
#include "core/log.hpp"
#include "jose/openssl/crypto.hpp"

namespace gatehouse::mfa {
namespace {

namespace json = boost::json;

constexpr std::string_view kRegister = "register";
constexpr std::string_view kAuthenticate = "authenticate";

PasskeyError malformed(std::string_view what) {
  return {PasskeyErrorCode::kMalformed, "The passkey answer could not be read (" + std::string(what) + ")."};
}

/// The parts of a WebAuthn answer this side reads, decoded.
struct Answer {
  std::string id;  // raw credential id
  std::string client_data_json;
  std::string attestation_object;  // registration
  std::string authenticator_data;  // authentication
  std::string signature;
  std::string user_handle;         // may be empty
  std::string transports;          // space-separated
  bool resident_key = false;       // clientExtensionResults.credProps.rk
};

const json::value* member(const json::object& o, std::string_view name) { return o.if_contains(name); }

/// A base64url member (string). @returns false when it is absent (and `required`) or not base64url.
bool bytes_of(const json::object& o, std::string_view name, std::string& out, bool required = true) {
  const auto* v = member(o, name);
  if (v == nullptr || v->is_null()) return !required;
  if (!v->is_string()) return false;
  auto decoded = base64url_decode(std::string_view(v->get_string()));
  if (!decoded) return false;
  out = std::move(*decoded);
  return true;
}

/// transports: the strings browsers report ("usb", "nfc", "ble", "internal", "hybrid", ...): short
/// lower-case words; anything else is dropped rather than stored.
std::string transports_of(const json::object& response) {
  std::string out;
  const auto* v = member(response, "transports");
  if (v == nullptr || !v->is_array()) return out;
  for (const auto& t : v->get_array()) {
    if (!t.is_string()) continue;
    const std::string_view s = t.get_string();
    if (s.empty() || s.size() > 16 || s.find_first_not_of("abcdefghijklmnopqrstuvwxyz-") != std::string_view::npos) continue;
    if (out.size() > 128) break;
    if (!out.empty()) out.push_back(' ');
    out.append(s);
  }
  return out;
}

bool resident_key_of(const json::object& o) {
  const auto* ext = member(o, "clientExtensionResults");
  if (ext == nullptr || !ext->is_object()) return false;
  const auto* props = ext->get_object().if_contains("credProps");
  if (props == nullptr || !props->is_object()) return false;
  const auto* rk = props->get_object().if_contains("rk");
  return rk != nullptr && rk->is_bool() && rk->get_bool();
}

Result<Answer, PasskeyError> parse_answer(std::string_view text, bool registration) {
  if (text.empty()) return unexpected(malformed("no answer came from the browser"));
  if (text.size() > kMaxCredentialJsonSize) return unexpected(malformed("larger than 16 KiB"));
  boost::system::error_code ec;
  json::parse_options options;
  options.max_depth = 8;
  auto doc = json::parse(text, ec, {}, options);
  if (ec || !doc.is_object()) return unexpected(malformed("not a JSON object"));
  const auto& o = doc.get_object();
  const auto* type = member(o, "type");
  if (type == nullptr || !type->is_string() || type->get_string() != "public-key")
    return unexpected(malformed("type is not \"public-key\""));
  Answer a;
  std::string raw_id;
  if (!bytes_of(o, "id", a.id) || !bytes_of(o, "rawId", raw_id) || a.id.empty() || a.id != raw_id)
    return unexpected(malformed("id and rawId"));
  const auto* response = member(o, "response");
  if (response == nullptr || !response->is_object()) return unexpected(malformed("no response"));
  const auto& r = response->get_object();
  if (!bytes_of(r, "clientDataJSON", a.client_data_json)) return unexpected(malformed("clientDataJSON"));
  if (registration) {
    if (!bytes_of(r, "attestationObject", a.attestation_object)) return unexpected(malformed("attestationObject"));
    a.transports = transports_of(r);
    a.resident_key = resident_key_of(o);
  } else {
    if (!bytes_of(r, "authenticatorData", a.authenticator_data) || !bytes_of(r, "signature", a.signature) ||
        !bytes_of(r, "userHandle", a.user_handle, false))
      return unexpected(malformed("authenticatorData, signature or userHandle"));
  }
  return a;
}

/// The challenge inside clientDataJSON, read only to find the stored one (verify_* checks it again).
std::optional<std::string> challenge_in(std::string_view client_data_json) {
  boost::system::error_code ec;
  auto doc = json::parse(client_data_json, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  const auto* c = doc.get_object().if_contains("challenge");
  if (c == nullptr || !c->is_string() || c->get_string().empty() || c->get_string().size() > 256) return std::nullopt;
  return std::string(c->get_string());
}

json::array descriptors(const std::vector<Passkey>& passkeys) {
  json::array out;
  for (const auto& p : passkeys) {
    if (p.flagged) continue;
    json::object d{{"type", "public-key"}, {"id", p.credential_id}};
    json::array transports;
    std::string_view t = p.transports;
    while (!t.empty()) {
      const auto end = t.find(' ');
      if (end != 0) transports.emplace_back(t.substr(0, end));
      if (end == std::string_view::npos) break;
      t.remove_prefix(end + 1);
    }
    d["transports"] = std::move(transports);
    out.push_back(std::move(d));
  }
  return out;
}

PasskeyError ceremony_error(const webauthn::CeremonyError& e) {
  return {PasskeyErrorCode::kCeremony, "The passkey was not accepted: " + e.message, e.code};
}

}  // namespace

std::string Passkeys::new_challenge(std::string_view purpose, const std::string& user_id, std::string_view context) const {
  Challenge c{base64url_encode(jose::random_bytes(32)), std::string(purpose), user_id, std::string(context),
              deps_.clock.now() + deps_.challenge_ttl};
  deps_.challenges.insert(c);
  return c.challenge;
}

Result<Challenge, PasskeyError> Passkeys::take_challenge(std::string_view client_data_json, std::string_view purpose,
                                                         const std::string& user_id, std::string_view context) const {
  auto value = challenge_in(client_data_json);
  if (!value) return unexpected(malformed("clientDataJSON holds no challenge"));
  // Consumed first, whatever follows: an answer is tried once.
  auto c = deps_.challenges.consume(*value, deps_.clock.now());
  if (!c)
    return unexpected(PasskeyError{PasskeyErrorCode::kUnknownChallenge,
                                   "This passkey request has expired or was already used. Try again."});
  if (c->purpose != purpose || c->context != context || c->user_id != user_id)
    return unexpected(PasskeyError{PasskeyErrorCode::kWrongChallenge, "This passkey answer belongs to another request. Try again."});
  return std::move(*c);
}

std::string Passkeys::registration_options(const user::User& user, std::string_view context) const {
  json::object o;
  o["challenge"] = new_challenge(kRegister, user.id, context);
  o["rp"] = {{"id", deps_.rp.id}, {"name", deps_.rp_name.empty() ? deps_.rp.id : deps_.rp_name}};
  o["user"] = {{"id", base64url_encode(user.id)},
               {"name", user.username},
               {"displayName", user.name.empty() ? user.username : user.name}};
  o["pubKeyCredParams"] = {json::object{{"type", "public-key"}, {"alg", -7}}, json::object{{"type", "public-key"}, {"alg", -257}},
                           json::object{{"type", "public-key"}, {"alg", -8}}};
  o["timeout"] = deps_.challenge_ttl * 1000;
  o["excludeCredentials"] = descriptors(deps_.passkeys.list_user(user.id));
  o["authenticatorSelection"] = {{"residentKey", "preferred"}, {"userVerification", deps_.user_verification}};
  o["attestation"] = "none";
  // credProps tells whether the credential is discoverable (stored with it).
  o["extensions"] = {{"credProps", true}};
  return json::serialize(o);
}

Result<Passkey, PasskeyError> Passkeys::finish_registration(const std::string& user_id, std::string_view context,
                                                            std::string_view credential_json, std::string name) const {
  auto answer = parse_answer(credential_json, true);
  if (!answer) return unexpected(std::move(answer.error()));
  auto challenge = take_challenge(answer->client_data_json, kRegister, user_id, context);
  if (!challenge) return unexpected(std::move(challenge.error()));
  auto verified = webauthn::verify_registration(
      deps_.rp, {answer->client_data_json, answer->attestation_object, challenge->challenge, deps_.user_verification == "required"});
  if (!verified) {
    spdlog::info("a passkey registration of user {} was refused: {} {}", user_id, webauthn::to_string(verified.error().code),
                 verified.error().detail);
    return unexpected(ceremony_error(verified.error()));
  }
  if (verified->credential_id != answer->id) return unexpected(malformed("id is not the credential's"));
  const auto now = deps_.clock.now();
  Passkey p{.credential_id = base64url_encode(verified->credential_id),
            .user_id = user_id,
            .name = name.empty() ? std::string("Passkey") : std::move(name),
            .public_key = verified->cose_public_key,
            .algorithm = verified->algorithm,
            .sign_count = verified->sign_count,
            .user_verified = verified->user_verified,
            .backup_eligible = verified->backup_eligible,
            .backup_state = verified->backup_state,
            .discoverable = answer->resident_key,
            .transports = answer->transports,
            .aaguid = verified->aaguid,
            .flagged = false,
            .created_at = now,
            .last_used_at = 0};
  if (!deps_.passkeys.insert(p))
    return unexpected(PasskeyError{PasskeyErrorCode::kDuplicate, "This passkey is registered already."});
  spdlog::info("user {} registered a passkey ({}, aaguid {})", user_id, verified->attestation_format, p.aaguid);
  return p;
}

std::string Passkeys::authentication_options(const std::string& user_id, std::string_view context) const {
  json::object o;
  o["challenge"] = new_challenge(kAuthenticate, user_id, context);
  o["rpId"] = deps_.rp.id;
  o["timeout"] = deps_.challenge_ttl * 1000;
  o["userVerification"] = deps_.user_verification;
  o["allowCredentials"] = user_id.empty() ? json::array() : descriptors(deps_.passkeys.list_user(user_id));
  return json::serialize(o);
}

Result<PasskeySignIn, PasskeyError> Passkeys::finish_authentication(const std::string& user_id, std::string_view context,
                                                                    std::string_view credential_json) const {
  auto answer = parse_answer(credential_json, false);
  if (!answer) return unexpected(std::move(answer.error()));
  auto challenge = take_challenge(answer->client_data_json, kAuthenticate, user_id, context);
  if (!challenge) return unexpected(std::move(challenge.error()));
  const PasskeyError unknown{PasskeyErrorCode::kUnknownCredential, "This passkey is not registered for this account."};
  auto p = deps_.passkeys.find(base64url_encode(answer->id));
  if (!p) return unexpected(unknown);
  if (!user_id.empty() && p->user_id != user_id) return unexpected(unknown);
  // §7.2 step 6: the user handle, when given, names the passkey's user; without a user known in
  // advance it must be given.
  if ((user_id.empty() && answer->user_handle.empty()) ||
      (!answer->user_handle.empty() && !jose::constant_time_equal(answer->user_handle, p->user_id)))
    return unexpected(PasskeyError{PasskeyErrorCode::kUserHandleMismatch, "This passkey does not belong to the account it names.",
                                   std::nullopt, p->user_id});
  constexpr std::string_view kBlocked = "This passkey is blocked (it may have been copied). Use another way to sign in.";
  if (p->flagged) return unexpected(PasskeyError{PasskeyErrorCode::kFlagged, std::string(kBlocked), std::nullopt, p->user_id});
  auto verified = webauthn::verify_assertion(deps_.rp, {answer->client_data_json, answer->authenticator_data, answer->signature,
                                                        challenge->challenge, p->public_key,
                                                        deps_.user_verification == "required"});
  if (!verified) {
    spdlog::info("a passkey sign-in of user {} was refused: {} {}", p->user_id, webauthn::to_string(verified.error().code),
                 verified.error().detail);
    auto e = ceremony_error(verified.error());
    e.user_id = p->user_id;
    return unexpected(std::move(e));
  }
  if (webauthn::counter_verdict(p->sign_count, verified->sign_count) == webauthn::CounterVerdict::kCloned) {
    // Judged on the count read above: if another sign-in moved it meanwhile (two answers handled
    // out of order), nothing is flagged and this one is refused as a race.
    if (!deps_.passkeys.flag(p->credential_id, p->sign_count))
      return unexpected(PasskeyError{PasskeyErrorCode::kRace, "This passkey was used at the same time elsewhere. Try again.",
                                     std::nullopt, p->user_id});
    spdlog::warn("passkey {} of user {} was blocked: its counter went from {} to {} (possibly cloned)", p->credential_id,
                 p->user_id, p->sign_count, verified->sign_count);
    return unexpected(PasskeyError{PasskeyErrorCode::kCloned, std::string(kBlocked), std::nullopt, p->user_id});
  }
  if (!deps_.passkeys.record_use(p->credential_id, p->sign_count, verified->sign_count, verified->backup_state, deps_.clock.now()))
    return unexpected(PasskeyError{PasskeyErrorCode::kRace, "This passkey was used at the same time elsewhere. Try again.",
                                   std::nullopt, p->user_id});
  return PasskeySignIn{std::move(*p), verified->user_verified};
}

}  // namespace gatehouse::mfa
