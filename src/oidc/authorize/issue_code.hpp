#pragma once
// The OIDC front door as the sign-in domain sees it: after the login form, it resumes the
// authorization request kept in the transaction's continuation by issuing the code.

#include "oidc/authorize/authorize_context.hpp"
#include "signin/front_door.hpp"

namespace gatehouse::oidc {

class OidcFrontDoor final : public signin::FrontDoor {
 public:
  explicit OidcFrontDoor(const AuthorizeDeps& deps) : deps_(deps) {}
  std::string_view kind() const override { return signin::kOidcKind; }
  /// The client's name, or its client_id when it has none.
  std::string display_name(std::string_view service) const override;
  /// The client's mfa_policy metadata member, if it registered one.
  std::optional<signin::MfaPolicy> mfa_policy(std::string_view service) const override;
  http::Response resume(const signin::SignInTransaction& tx, const session::SsoSession& session,
                        const http::Request& request) const override;

 private:
  const AuthorizeDeps& deps_;
};

}  // namespace gatehouse::oidc
