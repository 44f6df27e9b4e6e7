#include "user/user_profile.hpp"

#include <algorithm>
#include <array>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include "otp/totp.hpp"

namespace gatehouse::user {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxUsername = 128;
constexpr std::size_t kMaxEmail = 254;  // RFC 5321 path limit
constexpr std::size_t kMaxText = 200;
constexpr std::size_t kMaxPassword = 1024;
// An imported TOTP seed: 80 bits (the oldest exports) to 512 bits (HMAC-SHA-512's block).
constexpr std::size_t kMinSeedBytes = 10;
constexpr std::size_t kMaxSeedBytes = 64;
constexpr std::size_t kMaxSeedText = 256;  // base32 of 64 bytes with padding and spaces

constexpr std::array<std::string_view, 10> kReadOnly{"id",          "sub",          "created_at", "updated_at", "locked_until",
                                                     "preferred_username", "has_password", "source", "external_id", "groups"};

Unexpected<ProfileError> fail(std::string field, std::string message) {
  return unexpected(ProfileError{std::move(field), std::move(message)});
}

bool valid_username(std::string_view u) {
  if (u.empty() || u.size() > kMaxUsername) return false;
  return std::all_of(u.begin(), u.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-' || c == '@' || c == '+';
  });
}

bool valid_email(std::string_view e) {
  if (e.size() > kMaxEmail) return false;
  auto at = e.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= e.size() || e.find('@', at + 1) != std::string_view::npos)
    return false;
  return std::none_of(e.begin(), e.end(), [](char c) { return c <= 0x20 || c == 0x7f; });
}

/// UTF-8 text without control characters.
bool clean_text(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

std::string* text_field(User& u, std::string_view name) {
  if (name == "name") return &u.name;
  if (name == "given_name") return &u.given_name;
  if (name == "family_name") return &u.family_name;
  if (name == "middle_name") return &u.middle_name;
  if (name == "nickname") return &u.nickname;
  if (name == "picture") return &u.picture;
  if (name == "locale") return &u.locale;
  if (name == "phone_number") return &u.phone_number;
  if (name == "email") return &u.email;
  return nullptr;
}

}  // namespace

std::string password_problem(std::string_view password, int min_length) {
  if (password.size() > kMaxPassword) return "must be at most 1024 characters";
  // Characters, not bytes: count UTF-8 lead bytes.
  auto chars = std::count_if(password.begin(), password.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
  if (chars < min_length) return "must be at least " + std::to_string(min_length) + " characters";
  return "";
}

Result<ProfileDraft, ProfileError> parse_profile(const json::object& doc, const ProfileRules& rules) {
  ProfileDraft draft;
  User& u = draft.user;
  bool have_username = false;
  for (const auto& member : doc) {
    const std::string name(member.key());
    const auto& v = member.value();
    if (std::find(kReadOnly.begin(), kReadOnly.end(), name) != kReadOnly.end()) continue;
    if (name == "username") {
      if (!v.is_string() || !valid_username(v.get_string()))
        return fail(name, "must be 1 to 128 characters of A-Z a-z 0-9 . _ - @ +");
      u.username = std::string(v.get_string());
      have_username = true;
    } else if (name == "password") {
      if (!rules.allow_password) return fail(name, "is set with POST /api/users/{id}/password");
      if (!v.is_string()) return fail(name, "must be a string");
      if (auto problem = password_problem(v.get_string(), rules.min_password_length); !problem.empty())
        return fail(name, problem);
      draft.password = Password(std::string_view(v.get_string()));
    } else if (name == "totp_secret") {
      if (v.is_null()) continue;
      auto seed = v.is_string() && v.get_string().size() <= kMaxSeedText
                      ? otp::seed_from_base32(v.get_string())
                      : Result<TotpSeed, std::string>(unexpected(std::string("must be a string")));
      if (!seed) return fail(name, "must be a TOTP seed in base32 (RFC 4648): " + seed.error());
      if (seed->reveal().size() < kMinSeedBytes || seed->reveal().size() > kMaxSeedBytes)
        return fail(name, "must be a TOTP seed of 10 to 64 bytes (16 to 103 base32 characters)");
      draft.totp_seed = std::move(*seed);
    } else if (name == "email_verified" || name == "phone_number_verified" || name == "active") {
      if (!v.is_bool()) return fail(name, "must be true or false");
      (name == "email_verified" ? u.email_verified : name == "active" ? u.active : u.phone_number_verified) = v.get_bool();
    } else if (auto* field = text_field(u, name)) {
      if (v.is_null()) continue;
      if (!v.is_string() || v.get_string().size() > kMaxText || !clean_text(v.get_string()))
        return fail(name, "must be a string of at most 200 characters without control characters");
      *field = std::string(v.get_string());
    } else {
      return fail(name, "is not a supported user member");
    }
  }
  if (!have_username) return fail("username", "is required");
  if (!u.email.empty() && !valid_email(u.email)) return fail("email", "is not an email address");
  if (!u.picture.empty()) {
    auto parsed = boost::urls::parse_absolute_uri(u.picture);
    if (!parsed || (parsed->scheme() != "https" && parsed->scheme() != "http"))
      return fail("picture", "must be an absolute http(s) URL");
  }
  return draft;
}

json::object to_json(const User& u, UnixSeconds locked_until) {
  json::object o{{"id", u.id},
                 {"username", u.username},
                 {"email", u.email},
                 {"email_verified", u.email_verified},
                 {"name", u.name},
                 {"given_name", u.given_name},
                 {"family_name", u.family_name},
                 {"middle_name", u.middle_name},
                 {"nickname", u.nickname},
                 {"picture", u.picture},
                 {"locale", u.locale},
                 {"phone_number", u.phone_number},
                 {"phone_number_verified", u.phone_number_verified},
                 {"active", u.active},
                 {"has_password", !u.password_hash.empty()},
                 {"created_at", u.created_at},
                 {"updated_at", u.updated_at}};
  if (locked_until > 0) o["locked_until"] = locked_until;
  // The identity source the account is linked to ("" = local) and what it said at the last
  // sign-in; read-only here (a sign-in or a sync writes them).
  o["source"] = u.source;
  if (u.linked()) o["external_id"] = u.external_id;
  json::array groups;
  for (const auto& g : u.groups) groups.emplace_back(g);
  o["groups"] = std::move(groups);
  return o;
}

}  // namespace gatehouse::user
