// The saml.metadata_refresh job against a map-backed client store and a fake fetch: signed
// metadata from the URL is stored as saml_metadata (audited, optimistic); unsigned, foreign-signed,
// expired or another entity's never is; and what the job stored passes the admin API's checks
// when sent back.
#include "client/saml_metadata_refresh.hpp"

#include <algorithm>
#include <map>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "client/client_metadata.hpp"
#include "saml/dsig.hpp"
#include "saml/metadata.hpp"
#include "saml/testing/sp_metadata.hpp"

namespace gatehouse::client {
namespace {

namespace json = boost::json;
using saml::testing::TestKey;

constexpr std::string_view kEntity = "https://sp.example/mellon/metadata";
constexpr std::string_view kUrl = "https://sp.example/mellon/metadata.xml";

class MapStore final : public ClientStore {
 public:
  std::optional<Client> find(const std::string& id) override {
    auto it = clients.find(id);
    return it == clients.end() ? std::nullopt : std::optional<Client>(it->second);
  }
  ClientPage list(std::size_t offset, std::size_t limit) override {
    ClientPage page;
    std::size_t i = 0;
    for (const auto& [id, c] : clients)
      if (i++ >= offset && page.items.size() < limit) page.items.push_back(c);
    page.total = clients.size();
    return page;
  }
  bool insert(const Client& c) override { return clients.emplace(c.client_id, c).second; }
  UpdateResult update(const Client& c) override {
    auto it = clients.find(c.client_id);
    if (it == clients.end()) return UpdateResult::kNotFound;
    if (it->second.version != c.version) return UpdateResult::kStale;
    it->second = c;
    ++it->second.version;
    return UpdateResult::kOk;
  }
  bool remove(const std::string& id) override { return clients.erase(id) == 1; }
  std::map<std::string, Client> clients;
};

class MetadataRefresh : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    publisher_ = new TestKey(saml::testing::make_test_key(jose::Algorithm::kRS256, "federation.example"));
    stranger_ = new TestKey(saml::testing::make_test_key(jose::Algorithm::kRS256, "stranger.example"));
  }
  static void TearDownTestSuite() {
    delete publisher_;
    delete stranger_;
  }
  static std::string signed_metadata(const TestKey* key, std::string_view entity = kEntity,
                                     std::string_view valid_until = "2027-02-01T00:00:00Z") {
    std::string xml = saml::testing::good_sp_metadata(entity);
    xml.insert(xml.find("entityID=\""), "ID=\"_md1\" validUntil=\"" + std::string(valid_until) + "\" ");
    if (key == nullptr) return xml;
    auto doc = saml::parse(xml, saml::kMaxMetadataBytes);
    if (!doc || !saml::sign_enveloped(*doc, doc->root(), key->signing)) throw std::runtime_error("sign");
    return saml::serialize(*doc, false);
  }
  void add_sp(const std::string& id, bool with_cert = true) {
    json::object extra{{"saml_metadata_url", kUrl}};
    if (with_cert) extra["saml_metadata_signing_cert"] = saml::testing::pem("CERTIFICATE", publisher_->certificate_der);
    Client c;
    c.client_id = id;
    c.extra_metadata = json::serialize(extra);
    store_.insert(c);
  }
  std::string run() { return refresh_saml_metadata(deps_); }
  std::string stored_metadata(const std::string& id) {
    auto extra = json::parse(store_.clients.at(id).extra_metadata).as_object();
    return extra.contains("saml_metadata") ? std::string(extra.at("saml_metadata").as_string()) : "";
  }

  static TestKey* publisher_;
  static TestKey* stranger_;
  MapStore store_;
  FixedClock clock_{1'800'000'000};
  std::string served_;
  std::vector<std::string> fetched_, audited_;
  MetadataRefreshDeps deps_{store_,
                            [this](const std::string& url) -> Result<std::string, std::string> {
                              fetched_.push_back(url);
                              if (served_.empty()) return unexpected(std::string("connection refused"));
                              return served_;
                            },
                            [this](const std::string& id, const std::string&, const std::string& after) {
                              audited_.push_back(id + " " + after);
                            },
                            clock_};
};
TestKey* MetadataRefresh::publisher_ = nullptr;
TestKey* MetadataRefresh::stranger_ = nullptr;

TEST_F(MetadataRefresh, SignedMetadataIsStoredAuditedAndThenUnchanged) {
  add_sp("sp1");
  served_ = signed_metadata(publisher_);
  EXPECT_EQ(run(), "SAML metadata URLs: 1 updated, 0 unchanged, 0 refused, 0 without a signing certificate");
  EXPECT_EQ(fetched_, std::vector<std::string>{std::string(kUrl)});
  EXPECT_EQ(stored_metadata("sp1"), served_);
  EXPECT_EQ(store_.clients.at("sp1").saml_entity_id, kEntity);
  ASSERT_EQ(audited_.size(), 1u);
  EXPECT_TRUE(audited_[0].starts_with("sp1 ")) << audited_[0];
  EXPECT_EQ(run(), "SAML metadata URLs: 0 updated, 1 unchanged, 0 refused, 0 without a signing certificate");
  EXPECT_EQ(audited_.size(), 1u) << "nothing changed, nothing audited";
  // What the job stored passes the admin API's checks when a GET's document is sent back by PUT.
  auto again = parse_metadata(json::parse(store_.clients.at("sp1").extra_metadata).as_object(), MetadataDefaults{});
  ASSERT_TRUE(again) << again.error().field << ": " << again.error().message;
  EXPECT_EQ(again->client.saml_entity_id, kEntity);
}

TEST_F(MetadataRefresh, NothingUnsignedOrForeignIsEverStored) {
  add_sp("sp1");
  add_sp("nocert", false);
  for (const auto& bad : {signed_metadata(nullptr), signed_metadata(stranger_), signed_metadata(publisher_, kEntity, "2027-01-01T00:00:00Z"),
                          std::string("<html>not metadata</html>"), std::string()}) {
    served_ = bad;
    EXPECT_EQ(run(), "SAML metadata URLs: 0 updated, 0 unchanged, 1 refused, 1 without a signing certificate");
    EXPECT_EQ(stored_metadata("sp1"), "");
  }
  EXPECT_EQ(std::count(fetched_.begin(), fetched_.end(), std::string(kUrl)), 5) << "the SP without a certificate is never fetched";
  EXPECT_TRUE(audited_.empty());
  // The entityID, once accepted, stays: another entity's signed document is refused later.
  served_ = signed_metadata(publisher_);
  run();
  served_ = signed_metadata(publisher_, "https://other.example/sp");
  EXPECT_EQ(run(), "SAML metadata URLs: 0 updated, 0 unchanged, 1 refused, 1 without a signing certificate");
  EXPECT_EQ(store_.clients.at("sp1").saml_entity_id, kEntity);
}

TEST_F(MetadataRefresh, AnAdministratorCannotStoreUnsignedMetadataWithAUrl) {
  json::object doc{{"saml_metadata_url", kUrl},
                   {"saml_metadata_signing_cert", saml::testing::pem("CERTIFICATE", publisher_->certificate_der)},
                   {"saml_metadata", signed_metadata(nullptr)}};
  auto r = parse_metadata(doc, MetadataDefaults{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "saml_metadata");
  doc["saml_metadata"] = signed_metadata(publisher_);
  EXPECT_TRUE(parse_metadata(doc, MetadataDefaults{}));
  doc.erase("saml_metadata_url");
  auto lone = parse_metadata(doc, MetadataDefaults{});
  ASSERT_FALSE(lone);
  EXPECT_EQ(lone.error().field, "saml_metadata_signing_cert");
}

}  // namespace
}  // namespace gatehouse::client
