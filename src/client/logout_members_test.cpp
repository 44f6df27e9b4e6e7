// backchannel_logout_uri and backchannel_logout_session_required in a registration: accepted,
// kept, read back by back_channel_logout() and by GET (to_json), refused with the member named
// when the URI is not usable; frontchannel_logout_uri still refused.

#include "client/logout_members.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "client/client_metadata.hpp"

namespace gatehouse::client {
namespace {

namespace json = boost::json;

Result<ClientDraft, MetadataError> parse(std::string_view text) {
  return parse_metadata(json::parse(text).as_object(), MetadataDefaults{});
}

constexpr std::string_view kWeb =
    R"({"client_id":"web","grant_types":["authorization_code"],"redirect_uris":["https://app.example.com/cb"],)";

TEST(BackChannelLogoutMembers, AnHttpsUriIsKeptAndReadBack) {
  auto d = parse(std::string(kWeb) +
                 R"("backchannel_logout_uri":"https://app.example.com/bcl?tenant=1","backchannel_logout_session_required":true})");
  ASSERT_TRUE(d) << d.error().field << ": " << d.error().message;
  auto bcl = back_channel_logout(d->client);
  ASSERT_TRUE(bcl);
  EXPECT_EQ(bcl->uri, "https://app.example.com/bcl?tenant=1");
  EXPECT_TRUE(bcl->session_required);
  const auto doc = to_json(d->client);
  EXPECT_EQ(doc.at("backchannel_logout_uri").as_string(), "https://app.example.com/bcl?tenant=1");
  EXPECT_EQ(doc.at("backchannel_logout_session_required").as_bool(), true);
  auto again = parse_metadata(doc, MetadataDefaults{});
  ASSERT_TRUE(again) << "a document read back registers again: " << again.error().field;
  EXPECT_EQ(again->client.extra_metadata, d->client.extra_metadata);
  EXPECT_EQ(back_channel_logout(again->client)->uri, bcl->uri);
}

TEST(BackChannelLogoutMembers, WithoutAUriThereIsNone) {
  auto plain = parse(std::string(kWeb) + R"("backchannel_logout_session_required":true})");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(back_channel_logout(plain->client)) << "session_required alone asks for nothing";
  auto null = parse(std::string(kWeb) + R"("backchannel_logout_uri":null})");
  ASSERT_TRUE(null) << "null is a member left out";
  EXPECT_FALSE(back_channel_logout(null->client));
  Client broken;
  broken.extra_metadata = R"({"backchannel_logout_uri":)";
  EXPECT_FALSE(back_channel_logout(broken)) << "unreadable kept metadata is no registration, not a crash";
}

TEST(BackChannelLogoutMembers, HttpOnlyForAConfidentialClient) {
  auto confidential = parse(std::string(kWeb) + R"("backchannel_logout_uri":"http://127.0.0.1:8080/bcl"})");
  ASSERT_TRUE(confidential) << confidential.error().message;
  EXPECT_EQ(back_channel_logout(confidential->client)->uri, "http://127.0.0.1:8080/bcl");
  EXPECT_FALSE(back_channel_logout(confidential->client)->session_required);
  auto pub = parse(std::string(kWeb) + R"("token_endpoint_auth_method":"none","backchannel_logout_uri":"http://app.example.com/bcl"})");
  ASSERT_FALSE(pub);
  EXPECT_EQ(pub.error().field, "backchannel_logout_uri");
  EXPECT_NE(pub.error().message.find("https"), std::string::npos) << pub.error().message;
  auto pub_https = parse(std::string(kWeb) + R"("token_endpoint_auth_method":"none","backchannel_logout_uri":"https://app.example.com/bcl"})");
  EXPECT_TRUE(pub_https);
}

TEST(BackChannelLogoutMembers, EachUnusableUriIsRefusedAndNamed) {
  for (const char* bad : {R"("https://app.example.com/bcl#frag")", R"("/relative/bcl")", "\"javascript:alert(1)\"",
                          R"("ftp://app.example.com/bcl")", R"("https://user:pw@app.example.com/bcl")", R"("")",
                          R"("https:///no-host")", R"(42)", R"(["https://app.example.com/bcl"])", R"(true)"}) {
    auto d = parse(std::string(kWeb) + R"("backchannel_logout_uri":)" + bad + "}");
    ASSERT_FALSE(d) << bad;
    EXPECT_EQ(d.error().field, "backchannel_logout_uri") << bad;
    EXPECT_EQ(d.error().code, "invalid_client_metadata") << bad;
  }
  auto long_uri = parse(std::string(kWeb) + R"("backchannel_logout_uri":"https://app.example.com/)" + std::string(2000, 'a') + "\"}");
  ASSERT_FALSE(long_uri);
  EXPECT_EQ(long_uri.error().field, "backchannel_logout_uri");
  auto bad_required = parse(std::string(kWeb) + R"("backchannel_logout_session_required":"yes"})");
  ASSERT_FALSE(bad_required);
  EXPECT_EQ(bad_required.error().field, "backchannel_logout_session_required");
}

TEST(BackChannelLogoutMembers, FrontChannelLogoutIsStillRefused) {
  auto d = parse(std::string(kWeb) + R"("frontchannel_logout_uri":"https://app.example.com/fcl"})");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().field, "frontchannel_logout_uri");
  EXPECT_NE(d.error().message.find("front-channel logout is not supported"), std::string::npos);
}

}  // namespace
}  // namespace gatehouse::client
