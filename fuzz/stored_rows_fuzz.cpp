// libFuzzer target for the stored values the stores parse when they read a row back: SQLite's
// list columns (storage::sqlite::decode_string_list, JSON arrays of strings), PostgreSQL's binary
// text[] (storage::postgres::decode_text_array, what Row::text_array reads), an SSO session's
// participants (storage::sign_in_columns::decode_participants), the OIDC continuation of a
// sign-in transaction (oidc::decode_request), the amr list of a grant's sign-in facts
// (signin::has_word, add_amr, acr_for) and sealed columns (jose::aead_open: TOTP seeds, signing
// keys, a refresh token's grace answer). A row may have been written by an older release, a
// broken one or an attacker with database access: any value must decode or be refused, never a
// crash, a sanitizer report, a leak or a hang; and what decodes must encode and decode again to
// the same. Built and run by scripts/fuzz.
//
// The first byte picks the column: 'l' a list, 'a' a text[], 'p' participants, 'o' a
// continuation, 'm' an amr list, 's' a sealed value; any other byte tries all of them.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "jose/openssl/crypto.hpp"
#include "oidc/authorize/authorization_request.hpp"
#include "signin/assurance.hpp"
#include "storage/postgres/connection.hpp"
#include "storage/sign_in_columns.hpp"
#include "storage/sqlite/string_list.hpp"

namespace {

using namespace gatehouse;

void string_list(std::string_view text) {
  std::vector<std::string> items;
  try {
    items = storage::sqlite::decode_string_list(text, "clients.redirect_uris");
  } catch (const StorageError&) {
    return;
  }
  if (storage::sqlite::decode_string_list(storage::sqlite::encode_string_list(items), "c") != items) __builtin_trap();
}

void text_array(std::string_view bytes) {
  auto items = storage::postgres::decode_text_array(bytes);
  if (!items) return;
  auto again = storage::postgres::decode_text_array(storage::postgres::encode_text_array(*items));
  if (!again || *again != *items) __builtin_trap();
}

bool same(const session::Participant& a, const session::Participant& b) {
  return a.protocol == b.protocol && a.service == b.service && a.at == b.at && a.detail == b.detail;
}

void participants(std::string_view column) {
  namespace columns = storage::sign_in_columns;
  const auto decoded = columns::decode_participants(column);
  const auto again = columns::decode_participants(columns::encode_participants(decoded));
  if (again.size() != decoded.size()) __builtin_trap();
  for (std::size_t i = 0; i < again.size(); ++i)
    if (!same(again[i], decoded[i])) __builtin_trap();
}

void continuation(std::string_view payload) {
  auto request = oidc::decode_request(payload);
  if (!request) return;
  auto again = oidc::decode_request(oidc::encode_request(*request));
  if (!again || oidc::encode_request(*again) != oidc::encode_request(*request) || again->max_age != request->max_age)
    __builtin_trap();
}

void amr(std::string_view words) {
  const auto more = signin::add_amr(words, {signin::kAmrOtp, signin::kAmrMfa});
  if (!signin::has_word(more, signin::kAmrOtp) || !signin::has_word(more, signin::kAmrMfa)) __builtin_trap();
  if (signin::acr_for(more) != signin::kAcrMultiFactor) __builtin_trap();
  if (signin::has_word(words, signin::kAmrMfa) != (signin::acr_for(words) == signin::kAcrMultiFactor)) __builtin_trap();
}

void sealed(std::string_view bytes) {
  static const std::string key(32, 'k');
  // Without the key nothing opens (a forgery would need the GCM tag); with it, what was sealed does,
  // under its own associated data only.
  if (jose::aead_open(key, bytes, "totp:u1")) __builtin_trap();
  const auto box = jose::aead_seal(key, bytes, "totp:u1");
  const auto opened = jose::aead_open(key, box, "totp:u1");
  if (!opened || *opened != bytes || jose::aead_open(key, box, "totp:u2")) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0]) {
    case 'l': string_list(rest); break;
    case 'a': text_array(rest); break;
    case 'p': participants(rest); break;
    case 'o': continuation(rest); break;
    case 'm': amr(rest); break;
    case 's': sealed(rest); break;
    default:
      string_list(rest);
      text_array(rest);
      participants(rest);
      continuation(rest);
      amr(rest);
      break;
  }
  return 0;
}
