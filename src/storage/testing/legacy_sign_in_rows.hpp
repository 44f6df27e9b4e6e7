#pragma once
// Test support, both backends: expand/contract (migration 0015) of login_transactions. A node of the
// previous release reads and writes only the OIDC columns; forms rendered by either release complete
// on the other. The statements, the rows and what is expected of them, written once; each backend's
// test runs them on its own connection.

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "oidc/authorize/authorization_request.hpp"
#include "signin/transaction.hpp"
#include "storage/query.hpp"

namespace gatehouse::storage::testing {

/// What an old node writes: an OIDC sign-in with prompt "consent login"; $1 is the csrf hash
/// (bytea / blob: kOldNodeCsrfHash).
inline constexpr Query kOldNodeInsert{"old_node_insert_login_transaction", R"sql(
INSERT INTO login_transactions (id, csrf_hash, client_id, redirect_uri, response_type, response_mode, scope, state, nonce,
  code_challenge, code_challenge_method, prompt, login_hint, max_age, created_at, expires_at)
VALUES ('old', $1, 'web', 'https://app.example.com/cb', 'code', 'query', 'openid', 'st&=1', 'n1', 'E9Mel', 'S256',
  'consent login', 'ada', 600, 1000, 2000))sql"};
inline const std::string kOldNodeCsrfHash("\x00\x01", 2);

/// What an old node reads of a transaction; $1 is its id.
inline constexpr Query kOldNodeSelect{"old_node_find_login_transaction", R"sql(
SELECT client_id, redirect_uri, response_type, response_mode, scope, state, nonce, code_challenge, code_challenge_method,
  prompt, login_hint, max_age FROM login_transactions WHERE id = $1)sql"};

/// The new store's find("old", 1500) after kOldNodeInsert: an OIDC transaction with the request
/// the old columns describe.
inline void expect_old_node_row_read(const std::optional<signin::SignInTransaction>& found) {
  ASSERT_TRUE(found);
  EXPECT_EQ(found->continuation.kind, signin::kOidcKind);
  EXPECT_EQ(found->service, "web");
  EXPECT_EQ(found->login_hint, "ada");
  EXPECT_EQ(found->max_age, 600);
  EXPECT_TRUE(found->fresh) << "prompt=login";
  EXPECT_EQ(found->csrf_hash, kOldNodeCsrfHash);
  EXPECT_TRUE(found->legacy_csrf) << "its form carries the old release's CSRF token";
  auto request = oidc::decode_request(found->continuation.payload);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->client_id, "web");
  EXPECT_EQ(request->redirect_uri, "https://app.example.com/cb");
  EXPECT_EQ(request->response_type, "code");
  EXPECT_EQ(request->response_mode, "query");
  EXPECT_EQ(request->scope, "openid");
  EXPECT_EQ(request->state, "st&=1");
  EXPECT_EQ(request->nonce, "n1");
  EXPECT_EQ(request->code_challenge, "E9Mel");
  EXPECT_EQ(request->code_challenge_method, "S256");
  EXPECT_EQ(request->prompt, "consent login");
}

/// An OIDC request with prompt "login" whose state is `state` (each backend tries the bytes it
/// must keep), and the new release's transaction "new" that continues it.
inline oidc::AuthorizationRequest oidc_request(std::string state) {
  return {"web", "https://app.example.com/cb", "code", "query", "openid profile", std::move(state), "n1", "E9Mel", "S256",
          "login", "ada", 60, "urn:acr"};
}
inline signin::SignInTransaction new_node_transaction(const oidc::AuthorizationRequest& request) {
  signin::SignInTransaction tx;
  tx.id = "new";
  tx.csrf_hash = "h";
  tx.continuation = {std::string(signin::kOidcKind), oidc::encode_request(request)};
  tx.service = "web";
  tx.login_hint = "ada";
  tx.max_age = 60;
  tx.expires_at = 2000;
  return tx;
}

/// kOldNodeSelect's row for new_node_transaction(request): the old columns are filled. `Row` is
/// sqlite::Statement or postgres::Row.
template <class Row>
void expect_old_node_columns(const Row& row, const oidc::AuthorizationRequest& request) {
  EXPECT_EQ(row.text(0), "web");
  EXPECT_EQ(row.text(1), "https://app.example.com/cb");
  EXPECT_EQ(row.text(2), "code");
  EXPECT_EQ(row.text(3), "query");
  EXPECT_EQ(row.text(4), "openid profile");
  EXPECT_EQ(row.text(5), request.state) << "any bytes kept";
  EXPECT_EQ(row.text(6), "n1");
  EXPECT_EQ(row.text(7), "E9Mel");
  EXPECT_EQ(row.text(8), "S256");
  EXPECT_EQ(row.text(9), "login");
  EXPECT_EQ(row.text(10), "ada");
  EXPECT_FALSE(row.is_null(11));
  EXPECT_EQ(row.int64(11), 60);
}

}  // namespace gatehouse::storage::testing
