#pragma once
// A directory::Source as the sign-in's identity source (user/identity_source.hpp).

#include "directory/source.hpp"
#include "user/identity_source.hpp"

namespace gatehouse::directory {

class DirectoryIdentitySource final : public user::IdentitySource {
 public:
  explicit DirectoryIdentitySource(SourceOptions options) : source_(std::move(options)) {}

  const std::string& name() const override { return source_.options().name; }
  Result<user::ExternalAccount, user::SourceRefusal> sign_in(std::string_view login, std::string_view password,
                                                             const user::BeforeBind& before_bind) override;
  Result<user::ExternalAccount, user::SourceRefusal> find(std::string_view external_id) override;

  const Source& source() const { return source_; }

 private:
  Result<user::ExternalAccount, user::SourceRefusal> answer(Result<DirectoryUser, SignInError> r, std::string_view what) const;

  Source source_;
};

}  // namespace gatehouse::directory
