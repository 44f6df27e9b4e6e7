#pragma once
// The contract every client::ClientStore backend passes (STYLE C12). It defines the tests, so
// include it in exactly one .cpp of a test binary, and instantiate it once per backend:
//
//   using gatehouse::client::testing::ClientStoreBackend;
//   using gatehouse::client::testing::ClientStoreContract;
//   INSTANTIATE_TEST_SUITE_P(Sqlite, ClientStoreContract,
//       ::testing::Values(ClientStoreBackend{"Memory", [] { return make_my_store(); }}),
//       gatehouse::client::testing::backend_name);
//
// make() returns a fresh, empty, migrated store; the shared_ptr owns whatever keeps the store
// alive (typically the backend itself, through shared_ptr's aliasing constructor).

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <latch>
#include <limits>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "core/testing/store_contract.hpp"
#include "client/client_store.hpp"

namespace gatehouse::client::testing {

using ClientStoreBackend = contract::StoreBackend<ClientStore>;

inline constexpr auto backend_name = &contract::backend_name<ClientStore>;

class ClientStoreContract : public contract::StoreContract<ClientStore> {
 protected:
  /// A confidential client whose every field differs from sample_client("other").
  static Client sample_client(const std::string& id) {
    Client c;
    c.client_id = id;
    c.secret_hash = std::string("\x00\x01\xfe\xff hash\x00tail", 15) + id;  // binary, zero bytes
    c.client_name = "Client " + id + " \xc3\xa9t\xc3\xa9";                   // UTF-8
    c.grant_types = {"authorization_code", "refresh_token", "client_credentials"};
    c.token_endpoint_auth_method = "client_secret_basic";
    c.scopes = {"openid", "profile", "email"};
    c.redirect_uris = {"https://app.example/cb", "https://app.example/cb?x=1&y=\"2\"", "http://127.0.0.1:8080/"};
    c.post_logout_redirect_uris = {"https://app.example/signed-out"};
    c.access_token_signed_response_alg = "RS256";
    c.access_token_audience = {"https://api.example", id};
    c.id_token_signed_response_alg = "ES256";
    c.jwks = R"({"keys":[{"kty":"EC","crv":"P-256","x":"\u00e9","kid":")" + id + R"("}]})";
    c.introspection_audiences = {"https://api.example", "urn:\xc3\xa9"};
    c.extra_metadata = R"({"client_uri":"https://app.example","contacts":["ops@app.example"]})";
    c.saml_entity_id = "https://sp.example/" + id + "/metadata";
    c.created_at = 1'700'000'000;
    c.updated_at = 1'700'000'001;
    return c;
  }

  static void expect_same(const Client& expected, const Client& actual) {
    EXPECT_EQ(actual.client_id, expected.client_id);
    EXPECT_EQ(actual.secret_hash, expected.secret_hash);
    EXPECT_EQ(actual.client_name, expected.client_name);
    EXPECT_EQ(actual.grant_types, expected.grant_types);
    EXPECT_EQ(actual.token_endpoint_auth_method, expected.token_endpoint_auth_method);
    EXPECT_EQ(actual.scopes, expected.scopes);
    EXPECT_EQ(actual.redirect_uris, expected.redirect_uris);
    EXPECT_EQ(actual.post_logout_redirect_uris, expected.post_logout_redirect_uris);
    EXPECT_EQ(actual.access_token_signed_response_alg, expected.access_token_signed_response_alg);
    EXPECT_EQ(actual.access_token_audience, expected.access_token_audience);
    EXPECT_EQ(actual.id_token_signed_response_alg, expected.id_token_signed_response_alg);
    EXPECT_EQ(actual.jwks, expected.jwks);
    EXPECT_EQ(actual.introspection_audiences, expected.introspection_audiences);
    EXPECT_EQ(actual.extra_metadata, expected.extra_metadata);
    EXPECT_EQ(actual.saml_entity_id, expected.saml_entity_id);
    EXPECT_EQ(actual.created_at, expected.created_at);
    EXPECT_EQ(actual.updated_at, expected.updated_at);
  }

  static std::vector<std::string> ids_of(const ClientPage& page) {
    std::vector<std::string> ids;
    for (const auto& c : page.items) ids.push_back(c.client_id);
    return ids;
  }
};

TEST_P(ClientStoreContract, FindUnknownClientReturnsNullopt) {
  EXPECT_FALSE(store().find("nobody").has_value());
  EXPECT_FALSE(store().find("").has_value());
}

TEST_P(ClientStoreContract, InsertedClientRoundTripsEveryField) {
  const Client c = sample_client("app-1");
  ASSERT_TRUE(store().insert(c));
  const auto found = store().find("app-1");
  ASSERT_TRUE(found.has_value());
  expect_same(c, *found);
}

TEST_P(ClientStoreContract, PublicClientWithEmptySecretAndEmptyListsRoundTrips) {
  Client c;
  c.client_id = "public-spa";
  c.token_endpoint_auth_method = "none";
  c.access_token_signed_response_alg = "ES256";
  c.created_at = 0;
  c.updated_at = 0;
  ASSERT_TRUE(store().insert(c));
  const auto found = store().find("public-spa");
  ASSERT_TRUE(found.has_value());
  expect_same(c, *found);
  EXPECT_TRUE(found->secret_hash.empty());
  EXPECT_TRUE(found->grant_types.empty());
  EXPECT_TRUE(found->access_token_audience.empty());
}

TEST_P(ClientStoreContract, ListElementsRoundTripExactly) {
  // Elements with separators, quotes, escapes, non-ASCII and an empty element: a list is a list,
  // not a string the backend may re-split.
  Client c = sample_client("odd-lists");
  c.scopes = {"a b", "", "quote\"d", "back\\slash", "comma,semi;colon", "[bracket]", "\xe2\x9c\x93"};
  c.redirect_uris = {"https://x.example/p?q=%20&r=\xc3\xbc"};
  c.access_token_audience = {"urn:aud with space", "{\"json\":1}"};
  c.grant_types = {""};
  ASSERT_TRUE(store().insert(c));
  const auto found = store().find("odd-lists");
  ASSERT_TRUE(found.has_value());
  expect_same(c, *found);
}

TEST_P(ClientStoreContract, ExtremeTimestampsRoundTrip) {
  Client c = sample_client("times");
  c.created_at = std::numeric_limits<UnixSeconds>::min();
  c.updated_at = std::numeric_limits<UnixSeconds>::max();
  ASSERT_TRUE(store().insert(c));
  const auto found = store().find("times");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->created_at, c.created_at);
  EXPECT_EQ(found->updated_at, c.updated_at);
}

TEST_P(ClientStoreContract, DuplicateInsertReturnsFalseAndChangesNothing) {
  const Client original = sample_client("dup");
  ASSERT_TRUE(store().insert(original));
  Client other = sample_client("x");
  other.client_id = "dup";
  other.client_name = "impostor";
  EXPECT_FALSE(store().insert(other));
  const auto found = store().find("dup");
  ASSERT_TRUE(found.has_value());
  expect_same(original, *found);
  EXPECT_EQ(store().list(0, 10).total, 1u);
}

TEST_P(ClientStoreContract, UpdateReplacesEveryFieldButIdAndCreatedAt) {
  const Client original = sample_client("upd");
  ASSERT_TRUE(store().insert(original));
  Client changed;
  changed.client_id = "upd";
  changed.secret_hash = std::string("\x00\x00new", 5);
  changed.client_name = "renamed";
  changed.grant_types = {"client_credentials"};
  changed.token_endpoint_auth_method = "client_secret_post";
  changed.scopes = {};
  changed.redirect_uris = {"https://new.example/cb"};
  changed.access_token_signed_response_alg = "ES256";
  changed.access_token_audience = {};
  changed.id_token_signed_response_alg = "RS256";
  changed.jwks = "";
  changed.introspection_audiences = {};
  changed.extra_metadata = "{}";
  changed.created_at = 42;  // must be ignored
  changed.updated_at = 1'800'000'000;
  ASSERT_EQ(store().update(changed), UpdateResult::kOk);

  const auto found = store().find("upd");
  ASSERT_TRUE(found.has_value());
  Client expected = changed;
  expected.created_at = original.created_at;
  expect_same(expected, *found);
  EXPECT_EQ(found->version, changed.version + 1) << "every update moves the version on";
}

TEST_P(ClientStoreContract, AnUpdateFromAStaleReadIsRefusedAndWritesNothing) {
  ASSERT_TRUE(store().insert(sample_client("v")));
  const Client read_by_a = store().find("v").value();
  const Client read_by_b = store().find("v").value();
  EXPECT_EQ(read_by_a.version, 1);
  Client a = read_by_a;
  a.client_name = "by a";
  ASSERT_EQ(store().update(a), UpdateResult::kOk);
  Client b = read_by_b;
  b.client_name = "by b";
  b.grant_types = {"client_credentials"};
  EXPECT_EQ(store().update(b), UpdateResult::kStale) << "b read before a wrote";
  const auto now = store().find("v").value();
  EXPECT_EQ(now.client_name, "by a");
  EXPECT_EQ(now.version, 2);
  b.version = now.version;
  EXPECT_EQ(store().update(b), UpdateResult::kOk) << "after a fresh read";
  EXPECT_EQ(store().find("v").value().client_name, "by b");
}

TEST_P(ClientStoreContract, ASamlEntityIdBelongsToOneClientOnly) {
  Client a = sample_client("sp-a");
  a.saml_entity_id = "https://shared.example/sp";
  ASSERT_TRUE(store().insert(a));
  Client b = sample_client("sp-b");
  b.saml_entity_id = a.saml_entity_id;
  EXPECT_FALSE(store().insert(b)) << "the entityID is taken";
  EXPECT_FALSE(store().find("sp-b").has_value());

  b.saml_entity_id = "https://other.example/sp";
  ASSERT_TRUE(store().insert(b));
  Client b_takes = store().find("sp-b").value();
  b_takes.saml_entity_id = a.saml_entity_id;
  b_takes.client_name = "not written";
  EXPECT_EQ(store().update(b_takes), UpdateResult::kEntityIdTaken);
  const Client b_now = store().find("sp-b").value();
  expect_same(b, b_now);
  EXPECT_EQ(b_now.version, 1) << "nothing written";

  Client a_keeps = store().find("sp-a").value();
  a_keeps.client_name = "renamed, same SP";
  EXPECT_EQ(store().update(a_keeps), UpdateResult::kOk) << "a client keeps its own entityID";
  Client a_leaves = store().find("sp-a").value();
  a_leaves.saml_entity_id = "";
  ASSERT_EQ(store().update(a_leaves), UpdateResult::kOk);
  EXPECT_EQ(store().find("sp-a").value().saml_entity_id, "");
  b_takes.version = b_now.version;
  EXPECT_EQ(store().update(b_takes), UpdateResult::kOk) << "free once its holder let it go";
  EXPECT_EQ(store().find("sp-b").value().saml_entity_id, "https://shared.example/sp");
  ASSERT_TRUE(store().remove("sp-b"));
  Client c = sample_client("sp-c");
  c.saml_entity_id = "https://shared.example/sp";
  EXPECT_TRUE(store().insert(c)) << "free once its holder is removed";
}

TEST_P(ClientStoreContract, AnyNumberOfClientsHaveNoSamlEntityId) {
  for (const char* id : {"oidc-1", "oidc-2", "oidc-3"}) {
    Client c = sample_client(id);
    c.saml_entity_id = "";
    ASSERT_TRUE(store().insert(c)) << id;
  }
  Client c = store().find("oidc-2").value();
  EXPECT_EQ(c.saml_entity_id, "");
  c.client_name = "still none";
  EXPECT_EQ(store().update(c), UpdateResult::kOk);
  EXPECT_EQ(store().list(0, 10).total, 3u);
}

TEST_P(ClientStoreContract, ConcurrentInsertsForOneSamlEntityIdHaveExactlyOneWinner) {
  constexpr int kThreads = 8;
  std::latch start(kThreads);
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Client c = sample_client("sp-" + std::to_string(t));
      c.saml_entity_id = "https://contested.example/sp";
      start.arrive_and_wait();
      if (store().insert(c)) ++wins;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(store().list(0, 10).total, 1u);
}

TEST_P(ClientStoreContract, UpdateUnknownClientReturnsFalseAndCreatesNothing) {
  EXPECT_EQ(store().update(sample_client("ghost")), UpdateResult::kNotFound);
  EXPECT_FALSE(store().find("ghost").has_value());
  EXPECT_EQ(store().list(0, 10).total, 0u);
}

TEST_P(ClientStoreContract, UpdateTouchesOnlyThatClient) {
  const Client a = sample_client("a");
  const Client b = sample_client("b");
  ASSERT_TRUE(store().insert(a));
  ASSERT_TRUE(store().insert(b));
  Client a2 = a;
  a2.client_name = "changed";
  ASSERT_EQ(store().update(a2), UpdateResult::kOk);
  expect_same(b, store().find("b").value());
  EXPECT_EQ(store().find("a").value().client_name, "changed");
}

TEST_P(ClientStoreContract, RemoveDeletesOnlyThatClientAndReportsUnknown) {
  ASSERT_TRUE(store().insert(sample_client("keep")));
  ASSERT_TRUE(store().insert(sample_client("drop")));
  EXPECT_TRUE(store().remove("drop"));
  EXPECT_FALSE(store().find("drop").has_value());
  EXPECT_TRUE(store().find("keep").has_value());
  EXPECT_FALSE(store().remove("drop"));
  EXPECT_FALSE(store().remove("never-existed"));
  // The id is free again.
  EXPECT_TRUE(store().insert(sample_client("drop")));
}

TEST_P(ClientStoreContract, ListOfEmptyStoreIsEmpty) {
  const ClientPage page = store().list(0, 10);
  EXPECT_TRUE(page.items.empty());
  EXPECT_EQ(page.total, 0u);
}

TEST_P(ClientStoreContract, ListPagesInClientIdOrderAndCountsAll) {
  // Inserted out of order; ids compare the same under any collation.
  for (const char* id : {"client-05", "client-01", "client-07", "client-03", "client-02", "client-06", "client-04"}) {
    ASSERT_TRUE(store().insert(sample_client(id)));
  }
  ClientPage page = store().list(0, 3);
  EXPECT_EQ(ids_of(page), (std::vector<std::string>{"client-01", "client-02", "client-03"}));
  EXPECT_EQ(page.total, 7u);
  expect_same(sample_client("client-01"), page.items.at(0));

  page = store().list(3, 3);
  EXPECT_EQ(ids_of(page), (std::vector<std::string>{"client-04", "client-05", "client-06"}));
  EXPECT_EQ(page.total, 7u);

  page = store().list(6, 3);
  EXPECT_EQ(ids_of(page), (std::vector<std::string>{"client-07"}));
  EXPECT_EQ(page.total, 7u);

  page = store().list(7, 3);
  EXPECT_TRUE(page.items.empty());
  EXPECT_EQ(page.total, 7u);

  page = store().list(1000, 3);
  EXPECT_TRUE(page.items.empty());
  EXPECT_EQ(page.total, 7u);

  page = store().list(0, 0);
  EXPECT_TRUE(page.items.empty());
  EXPECT_EQ(page.total, 7u);

  page = store().list(2, std::numeric_limits<std::size_t>::max());
  EXPECT_EQ(page.items.size(), 5u);
  EXPECT_EQ(page.items.front().client_id, "client-03");

  page = store().list(std::numeric_limits<std::size_t>::max(), std::numeric_limits<std::size_t>::max());
  EXPECT_TRUE(page.items.empty());
  EXPECT_EQ(page.total, 7u);
}

TEST_P(ClientStoreContract, ConcurrentInsertsForOneIdHaveExactlyOneWinner) {
  constexpr int kThreads = 8;
  std::latch start(kThreads);
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Client c = sample_client("contested");
      c.client_name = "thread " + std::to_string(t);
      start.arrive_and_wait();
      if (store().insert(c)) ++wins;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wins.load(), 1);
  EXPECT_EQ(store().list(0, 10).total, 1u);
}

TEST_P(ClientStoreContract, IsSafeUnderConcurrentUse) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  ASSERT_TRUE(store().insert(sample_client("shared")));
  std::latch start(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kPerThread; ++i) {
        const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        if (!store().insert(sample_client(id))) ++failures;
        const auto mine = store().find(id);
        if (!mine || mine->secret_hash != sample_client(id).secret_hash) ++failures;
        if (!store().find("shared")) ++failures;
        if (i % 5 == 0) {
          Client update = sample_client(id);
          update.client_name = "updated";
          if (store().update(update) != UpdateResult::kOk) ++failures;
          if (store().list(0, 5).items.empty()) ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store().list(0, 0).total, static_cast<std::size_t>(kThreads * kPerThread + 1));
}

}  // namespace gatehouse::client::testing
