#include "directory/identity_source.hpp"

#include "core/log.hpp"

namespace gatehouse::directory {
namespace {

user::SourceRefusal refusal_of(Refusal r) {
  switch (r) {
    case Refusal::kUnknownUser: return user::SourceRefusal::kUnknownUser;
    case Refusal::kWrongPassword: return user::SourceRefusal::kWrongPassword;
    case Refusal::kDisabled: return user::SourceRefusal::kDisabled;
    case Refusal::kLocked: return user::SourceRefusal::kLocked;
    case Refusal::kPasswordExpired: return user::SourceRefusal::kPasswordExpired;
    case Refusal::kMustChangePassword: return user::SourceRefusal::kMustChangePassword;
    case Refusal::kMisconfigured: return user::SourceRefusal::kMisconfigured;
    case Refusal::kUnavailable: break;
  }
  return user::SourceRefusal::kUnavailable;
}

}  // namespace

Result<user::ExternalAccount, user::SourceRefusal> DirectoryIdentitySource::answer(Result<DirectoryUser, SignInError> r,
                                                                                  std::string_view what) const {
  if (!r) {
    // The detail names the server and the LDAP result, never the password; why a user was
    // refused is the sign-in's to say (its audit row), faults are the operator's.
    const auto& e = r.error();
    if (e.held) return unexpected(user::SourceRefusal::kLocked);  // Gatehouse's own lock: nothing to log here
    if (e.refusal == Refusal::kUnavailable || e.refusal == Refusal::kMisconfigured)
      spdlog::error("directory {}: {} failed: {}", name(), what, e.detail);
    else
      spdlog::info("directory {}: {} refused: {}", name(), what, e.detail);
    return unexpected(refusal_of(e.refusal));
  }
  return user::ExternalAccount{.external_id = std::move(r->external_id), .username = std::move(r->username),
                               .claims = std::move(r->claims), .email_verified = r->email_verified,
                               .groups = std::move(r->groups)};
}

Result<user::ExternalAccount, user::SourceRefusal> DirectoryIdentitySource::sign_in(std::string_view login, std::string_view password,
                                                                                   const user::BeforeBind& before_bind) {
  BeforeBind hook;
  if (before_bind)
    hook = [&](const Found& who) { return before_bind(user::ExternalAccount{.external_id = who.external_id, .username = who.username}); };
  return answer(source_.sign_in(login, password, hook), "sign-in");
}

Result<user::ExternalAccount, user::SourceRefusal> DirectoryIdentitySource::find(std::string_view external_id) {
  return answer(source_.find(external_id), "lookup");
}

}  // namespace gatehouse::directory
