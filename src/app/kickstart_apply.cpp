// Applying a kickstart plan to the stores (kickstart.hpp); kickstart.cpp reads the file.
#include "app/kickstart.hpp"

#include "admin/admin_api.hpp"
#include "client/registration.hpp"
#include "core/base64url.hpp"
#include "core/log.hpp"
#include "jose/openssl/crypto.hpp"

namespace gatehouse::app {
namespace {

std::string ascii_lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

}  // namespace

KickstartOutcome apply_kickstart(const KickstartPlan& plan, const KickstartTargets& to) {
  KickstartOutcome out;
  const auto stamp = std::to_string(to.clock.now());
  for (const auto& k : plan.api_keys) {
    auto hash = to.api_key_hasher.hash(k.key.reveal());
    auto marker = "kickstart/api_key/" + base64url_encode(hash);
    if (to.ledger.get(marker) || to.api_keys.find_by_hash(hash)) {
      ++out.api_keys_present;
    } else {
      auto record = admin::make_api_key(k.key.reveal(), k.description, to.api_key_hasher, to.clock.now());
      record.role = k.role;
      record.expires_at = k.expires_at;
      if (to.api_keys.insert(record)) ++out.api_keys_created;
      else ++out.api_keys_present;  // another process applied it at the same moment
    }
    to.ledger.insert_if_absent(marker, stamp);
  }
  for (const auto& draft : plan.applications) {
    auto marker = "kickstart/application/" + draft.client.client_id;
    if (to.ledger.get(marker) || to.clients.find(draft.client.client_id)) {
      ++out.applications_present;
    } else if (to.clients.insert(client::prepare_new_client(draft, to.client_secrets, to.clock.now()).client)) {
      ++out.applications_created;
    } else {
      ++out.applications_present;
    }
    to.ledger.insert_if_absent(marker, stamp);
  }
  for (const auto& draft : plan.users) {
    auto marker = "kickstart/user/" + ascii_lower(draft.user.username);
    if (to.ledger.get(marker) || to.users.find_by_username(draft.user.username)) {
      ++out.users_present;
    } else {
      auto u = draft.user;
      u.id = jose::random_token(16);
      if (draft.password) u.password_hash = to.passwords.hash(*draft.password);
      u.created_at = u.updated_at = to.clock.now();
      if (to.users.insert(u) == user::UserWriteResult::kOk) {
        ++out.users_created;
        // Only once the user exists, and only for a user this run created: an existing user's
        // factors are never replaced by a file applied again.
        if (draft.totp_seed && to.factors != nullptr) to.factors->import_totp(u.id, *draft.totp_seed);
      } else {
        ++out.users_present;
      }
    }
    to.ledger.insert_if_absent(marker, stamp);
  }
  spdlog::info("kickstart: {} api key(s), {} application(s), {} user(s) created; {}, {}, {} already present or "
               "applied before",
               out.api_keys_created, out.applications_created, out.users_created, out.api_keys_present,
               out.applications_present, out.users_present);
  return out;
}

}  // namespace gatehouse::app
