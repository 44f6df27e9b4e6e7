// The applications API over a real (in-memory SQLite) store: what an administrator is told when
// the store refuses a registration.
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "admin/admin_api.hpp"
#include "saml/testing/sp_metadata.hpp"
#include "storage/sqlite/sqlite_backend.hpp"

namespace gatehouse::admin {
namespace {

namespace json = boost::json;

class ApplicationsApi : public ::testing::Test {
 protected:
  ApplicationsApi()
      : backend_(storage::sqlite::SqliteOptions{":memory:", 2}),
        deps_{.clients = backend_.clients(),
              .clients_uncached = backend_.clients(),
              .api_keys = backend_.api_keys(),
              .client_secrets = secrets_,
              .api_key_hasher = secrets_,
              .metadata_defaults = {},
              .clock = clock_,
              .users = backend_.users(),
              .passwords = passwords_,
              .min_password_length = 12,
              .nodes = backend_.nodes(),
              .jobs = backend_.jobs(),
              .events = backend_.events(),
              .node_id = "node-a",
              .keys = backend_.keys(),
              .rotate_keys_now = {}} {
    backend_.migrate();
    EXPECT_TRUE(backend_.api_keys().insert(make_api_key(std::string(kKey), "test", secrets_, clock_.now())));
    add_routes(router_, deps_);
  }

  http::Response call(std::string method, std::string path, const json::object& body) {
    http::Request r;
    r.method = std::move(method);
    r.target = r.path = std::move(path);
    r.body = json::serialize(body);
    r.headers = {{"authorization", "Bearer " + std::string(kKey)}, {"content-type", "application/json"}};
    r.remote_address = r.client_address = "127.0.0.1";
    return router_.dispatch(r);
  }

  static json::object body_of(const http::Response& r) { return json::parse(r.body).as_object(); }

  static constexpr std::string_view kKey = "ghk_test-key-for-the-applications-api";
  FixedClock clock_{1'700'000'000};
  client::SecretHasher secrets_{KeyBytes(std::string(32, 's'))};
  user::PasswordHasher passwords_{user::Argon2Params{}};
  storage::sqlite::SqliteBackend backend_;
  AdminDeps deps_;
  http::Router router_;
};

json::object sp(std::string_view client_id, std::string_view entity_id) {
  return json::object{{"client_id", client_id}, {"saml_metadata", saml::testing::good_sp_metadata(entity_id)}};
}

TEST_F(ApplicationsApi, ASecondApplicationForOneSamlEntityIdIsAConflictNamingIt) {
  auto created = call("POST", "/api/applications", sp("wiki", "https://wiki.example.com/sp"));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(backend_.clients().find("wiki").value().saml_entity_id, "https://wiki.example.com/sp");

  auto second = call("POST", "/api/applications", sp("wiki-2", "https://wiki.example.com/sp"));
  EXPECT_EQ(second.status, 409) << second.body;
  const auto body = body_of(second);
  EXPECT_EQ(body.at("error"), "conflict");
  EXPECT_EQ(body.at("field"), "saml_metadata");
  EXPECT_EQ(body.at("message"), "another application is registered for the SAML entityID 'https://wiki.example.com/sp'");
  EXPECT_FALSE(backend_.clients().find("wiki-2").has_value());

  // The client_id duplicate is still told as such.
  auto same_id = call("POST", "/api/applications", sp("wiki", "https://elsewhere.example.com/sp"));
  EXPECT_EQ(same_id.status, 409);
  EXPECT_EQ(body_of(same_id).at("field"), "client_id");
}

TEST_F(ApplicationsApi, ReplacingAnApplicationWithAnotherSpsEntityIdIsAConflict) {
  ASSERT_EQ(call("POST", "/api/applications", sp("wiki", "https://wiki.example.com/sp")).status, 201);
  ASSERT_EQ(call("POST", "/api/applications", sp("mail", "https://mail.example.com/sp")).status, 201);
  auto taken = call("PUT", "/api/applications/mail", sp("mail", "https://wiki.example.com/sp"));
  EXPECT_EQ(taken.status, 409) << taken.body;
  EXPECT_EQ(body_of(taken).at("message"),
            "another application is registered for the SAML entityID 'https://wiki.example.com/sp'");
  EXPECT_EQ(backend_.clients().find("mail").value().saml_entity_id, "https://mail.example.com/sp") << "unchanged";

  auto kept = call("PUT", "/api/applications/wiki", sp("wiki", "https://wiki.example.com/sp"));
  EXPECT_EQ(kept.status, 200) << kept.body;
  auto moved = call("PUT", "/api/applications/wiki", sp("wiki", "https://wiki.example.com/sp-2"));
  EXPECT_EQ(moved.status, 200) << moved.body;
  EXPECT_EQ(call("PUT", "/api/applications/mail", sp("mail", "https://wiki.example.com/sp")).status, 200)
      << "free once the other application moved";
}

TEST_F(ApplicationsApi, BadMetadataIsRefusedNamingTheMember) {
  auto bad = call("POST", "/api/applications",
                  json::object{{"client_id", "x"}, {"saml_metadata", "<!DOCTYPE x><x/>"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(body_of(bad).at("field"), "saml_metadata");
  EXPECT_EQ(body_of(bad).at("message"),
            "saml_metadata is not usable SP metadata: XML refused: a DOCTYPE (DTDs are refused)");
}

}  // namespace
}  // namespace gatehouse::admin
