// The CAS front door against the real sign-in domain on an in-memory SQLite store, a fixed clock,
// and a ticket store fake (the SQL ticket stores have their own contract suite): /cas/login with
// and without a session, renew, gateway, method=POST; every validation endpoint and error code of
// CAS Protocol 3.0 §2.5.3; /cas/logout; the XML and JSON answers' escaping.

#include "cas/cas_front_door.hpp"

#include <map>
#include <mutex>

#include <gtest/gtest.h>

#include "signin/testing/pages.hpp"

#include "jose/openssl/crypto.hpp"
#include "storage/sqlite/sqlite_backend.hpp"

namespace gatehouse::cas {
namespace {

using signin::testing::field;
using signin::testing::session_cookie;

constexpr user::Argon2Params kCheap{256, 1, 1};
constexpr std::string_view kService = "https://app.example.com/cas/";

class FakeTickets final : public TicketStore {
 public:
  void insert(const Ticket& t) override {
    std::lock_guard lock(mutex_);
    tickets_[t.id_hash] = t;
  }
  std::optional<Ticket> consume(const std::string& id_hash, UnixSeconds now) override {
    std::lock_guard lock(mutex_);
    auto it = tickets_.find(id_hash);
    if (it == tickets_.end()) return std::nullopt;
    auto t = std::move(it->second);
    tickets_.erase(it);
    if (t.expires_at <= now) return std::nullopt;
    return t;
  }
  std::size_t purge_expired(UnixSeconds, std::size_t) override { return 0; }
  std::size_t size() {
    std::lock_guard lock(mutex_);
    return tickets_.size();
  }

 private:
  std::mutex mutex_;
  std::map<std::string, Ticket> tickets_;
};

class FakePgts final : public ProxyGrantingTicketStore {
 public:
  void insert(const ProxyGrantingTicket& t) override { tickets_[t.id_hash] = t; }
  std::optional<ProxyGrantingTicket> find(const std::string& id_hash, UnixSeconds now) override {
    auto it = tickets_.find(id_hash);
    if (it == tickets_.end() || it->second.expires_at <= now) return std::nullopt;
    return it->second;
  }
  std::size_t revoke_session(const std::string& sid) override {
    return std::erase_if(tickets_, [&](const auto& kv) { return kv.second.sign_in.sid == sid; });
  }
  std::size_t purge_expired(UnixSeconds, std::size_t) override { return 0; }

 private:
  std::map<std::string, ProxyGrantingTicket> tickets_;
};

std::vector<client::Client> all_clients(client::ClientStore& store) { return store.list(0, 1000).items; }

class CasTest : public ::testing::Test {
 protected:
  CasTest()
      : backend_(storage::sqlite::SqliteOptions{":memory:", 2}),
        clock_(1'800'000'000),
        hasher_(kCheap),
        sign_in_deps_{backend_.users(), hasher_, backend_.login_transactions(), backend_.sso_sessions(), clock_},
        sign_in_(sign_in_deps_),
        registry_([this] { return all_clients(backend_.clients()); }, std::chrono::seconds(60), clock_),
        deps_{sign_in_, registry_, tickets_, backend_.users(), clock_, 10, &pgts_},
        cas_(deps_) {
    backend_.migrate();
    sign_in_deps_.csrf_key = signin::CsrfKey(jose::random_bytes(32));
    sign_in_.add_front_door(cas_);
    user::User u;
    u.id = "u1";
    u.username = "ada";
    u.email = "ada@example.com";
    u.name = "Ada <Lovelace> & \"Co\"";
    u.password_hash = hasher_.hash(user::Password("correct horse"));
    EXPECT_EQ(backend_.users().insert(u), user::UserWriteResult::kOk);
    client::Client c;
    c.client_id = "app";
    c.client_name = "The App";
    c.extra_metadata = R"({"cas_services": [{"match": "prefix", "url": "https://app.example.com/cas/"}],
                           "cas_attributes": ["email", "name"]})";
    EXPECT_TRUE(backend_.clients().insert(c));
  }

  static http::Request get(std::string path, std::string query, std::string cookie = {}) {
    http::Request r;
    r.method = "GET";
    r.path = std::move(path);
    r.query = std::move(query);
    if (!cookie.empty()) r.headers.push_back({"cookie", cookie});
    return r;
  }
  static std::string enc(std::string_view s) { return http::percent_encode(s); }
  static std::string location(const http::Response& r) {
    const auto* l = r.header("Location");
    return l != nullptr ? *l : std::string();
  }
  static std::string ticket_of(const http::Response& r) {
    const auto l = location(r);
    const auto at = l.find("ticket=");
    return at == std::string::npos ? std::string() : l.substr(at + 7);
  }

  /// /cas/login for `service` without a session, then the password: the redirect with a ticket.
  http::Response sign_in(std::string_view service, std::string_view extra = {}) {
    auto page = cas_.login(get("/cas/login", "service=" + enc(service) + std::string(extra)));
    EXPECT_EQ(page.status, 200) << page.body;
    http::Request post;
    post.method = "POST";
    post.headers.push_back({"content-type", "application/x-www-form-urlencoded"});
    post.headers.push_back({"cookie", "gh_csrf=" + field(page.body, "csrf")});
    post.body = "tx=" + field(page.body, "tx") + "&csrf=" + field(page.body, "csrf") + "&username=ada&password=correct+horse";
    return sign_in_.login_endpoint(post);
  }
  http::Response validate(std::string_view path, std::string query) {
    auto ep = CasFrontDoor::Endpoint::kService;
    if (path.find("proxyValidate") != std::string_view::npos) ep = CasFrontDoor::Endpoint::kProxy;
    if (path == "/cas/validate") ep = CasFrontDoor::Endpoint::kV1;
    return cas_.validate(get(std::string(path), std::move(query)), ep, path.starts_with("/cas/p3/"));
  }
  /// A CAS service "proxying" (https://proxy.example.com/...) whose proxy callbacks are under `callbacks`.
  client::Client add_proxying(const std::string& callbacks) {
    client::Client c;
    c.client_id = "proxying";
    c.extra_metadata = R"({"cas_services": [{"match": "prefix", "url": "https://proxy.example.com/"}],
                           "cas_proxy_callbacks": [{"match": "prefix", "url": ")" + callbacks + R"("}]})";
    EXPECT_TRUE(backend_.clients().insert(c));
    registry_.invalidate();
    return c;
  }
  std::string validation(std::string_view ticket, std::string_view service = kService) {
    return "service=" + enc(service) + "&ticket=" + std::string(ticket);
  }

  storage::sqlite::SqliteBackend backend_;
  FixedClock clock_;
  user::PasswordHasher hasher_;
  signin::SignInDeps sign_in_deps_;
  signin::SignIn sign_in_;
  ServiceRegistry registry_;
  FakeTickets tickets_;
  FakePgts pgts_;
  CasDeps deps_;
  CasFrontDoor cas_;
};

TEST_F(CasTest, ASignInGivesAServiceTicketThatValidatesOnceWithAttributes) {
  const std::string service = std::string(kService) + "page?x=1";
  auto r = sign_in(service);
  ASSERT_EQ(r.status, 302) << r.body;
  EXPECT_TRUE(location(r).starts_with(service + "&ticket=ST-")) << location(r);
  const auto ticket = ticket_of(r);
  EXPECT_GE(ticket.size(), 32u);
  auto ok = validate("/cas/p3/serviceValidate", validation(ticket, service));
  EXPECT_NE(ok.body.find("<cas:authenticationSuccess>"), std::string::npos) << ok.body;
  EXPECT_NE(ok.body.find("<cas:user>ada</cas:user>"), std::string::npos) << ok.body;
  EXPECT_NE(ok.body.find("<cas:email>ada@example.com</cas:email>"), std::string::npos) << ok.body;
  EXPECT_NE(ok.body.find("<cas:name>Ada &lt;Lovelace&gt; &amp; &quot;Co&quot;</cas:name>"), std::string::npos) << ok.body;
  EXPECT_NE(ok.body.find("<cas:isFromNewLogin>true</cas:isFromNewLogin>"), std::string::npos) << ok.body;
  auto again = validate("/cas/p3/serviceValidate", validation(ticket, service));
  EXPECT_NE(again.body.find("code=\"INVALID_TICKET\""), std::string::npos) << "a ticket validates once: " << again.body;
}

TEST_F(CasTest, CasTwoAnswersCarryNoAttributesAndCasOneIsText) {
  auto v2 = validate("/cas/serviceValidate", validation(ticket_of(sign_in(kService))));
  EXPECT_NE(v2.body.find("<cas:user>ada</cas:user>"), std::string::npos) << v2.body;
  EXPECT_EQ(v2.body.find("<cas:attributes>"), std::string::npos) << v2.body;
  auto v1 = validate("/cas/validate", validation(ticket_of(sign_in(kService))));
  EXPECT_EQ(v1.body, "yes\nada\n");
  EXPECT_EQ(validate("/cas/validate", validation("ST-unknown-0123456789abcdefghijklmnop")).body, "no\n\n");
}

TEST_F(CasTest, ALiveSessionGetsATicketWithoutAFormUnlessRenewIsAsked) {
  const auto cookie = session_cookie(sign_in(kService));
  ASSERT_FALSE(cookie.empty());
  auto r = cas_.login(get("/cas/login", "service=" + enc(kService), cookie));
  ASSERT_EQ(r.status, 302) << r.body;
  const auto ticket = ticket_of(r);
  auto renewed = validate("/cas/serviceValidate", validation(ticket) + "&renew=true");
  EXPECT_NE(renewed.body.find("code=\"INVALID_TICKET\""), std::string::npos) << "not from an initial login: " << renewed.body;
  auto form = cas_.login(get("/cas/login", "renew=true&service=" + enc(kService), cookie));
  EXPECT_EQ(form.status, 200) << "renew asks for the password again";
  EXPECT_FALSE(field(form.body, "tx").empty());
}

TEST_F(CasTest, GatewayNeverShowsAFormAndARenewedSignInValidatesWithRenew) {
  auto r = cas_.login(get("/cas/login", "gateway=true&service=" + enc(kService)));
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(location(r), kService) << "back to the service without a ticket";
  auto fresh = sign_in(kService, "&renew=true");
  auto ok = validate("/cas/serviceValidate", validation(ticket_of(fresh)) + "&renew=true");
  EXPECT_NE(ok.body.find("<cas:user>ada</cas:user>"), std::string::npos) << ok.body;
}

TEST_F(CasTest, AServiceThatMatchesNoRegistrationGetsNoTicket) {
  for (const std::string bad : {"https://app.example.com/cass/", "https://app.example.com.evil.example/cas/",
                                "https://evil.example/cas/", "https://app.example.com@evil.example/cas/", "not a url"}) {
    auto r = cas_.login(get("/cas/login", "service=" + enc(bad)));
    EXPECT_EQ(r.status, 403) << bad;
  }
  EXPECT_EQ(tickets_.size(), 0u);
}

TEST_F(CasTest, ATicketForAnotherServiceIsRefusedAndSpent) {
  const auto ticket = ticket_of(sign_in(kService));
  auto other = validate("/cas/serviceValidate", validation(ticket, std::string(kService) + "other"));
  EXPECT_NE(other.body.find("code=\"INVALID_SERVICE\""), std::string::npos) << other.body;
  auto right = validate("/cas/serviceValidate", validation(ticket));
  EXPECT_NE(right.body.find("code=\"INVALID_TICKET\""), std::string::npos) << "spent by the first attempt: " << right.body;
}

TEST_F(CasTest, AnExpiredTicketIsRefused) {
  const auto ticket = ticket_of(sign_in(kService));
  clock_.advance(10);
  auto r = validate("/cas/serviceValidate", validation(ticket));
  EXPECT_NE(r.body.find("code=\"INVALID_TICKET\""), std::string::npos) << r.body;
}

TEST_F(CasTest, MissingOrMalformedParametersGetTheSpecifiedErrors) {
  auto none = validate("/cas/serviceValidate", "service=" + enc(kService));
  EXPECT_NE(none.body.find("code=\"INVALID_REQUEST\""), std::string::npos) << none.body;
  auto bad = validate("/cas/serviceValidate", validation("XX-123"));
  EXPECT_NE(bad.body.find("code=\"INVALID_TICKET\""), std::string::npos) << bad.body;
  auto broken = validate("/cas/serviceValidate", "service=%zz&ticket=ST-1");
  EXPECT_NE(broken.body.find("code=\"INVALID_REQUEST\""), std::string::npos) << broken.body;
  auto huge = validate("/cas/serviceValidate", validation("ST-" + std::string(300, 'a')));
  EXPECT_NE(huge.body.find("code=\"INVALID_TICKET\""), std::string::npos);
  EXPECT_EQ(huge.body.find(std::string(300, 'a')), std::string::npos) << "an oversized ticket is not echoed whole";
}

TEST_F(CasTest, AProxyTicketIsRefusedByServiceValidate) {
  const std::string pt = "PT-" + std::string(40, 'p');
  tickets_.insert(Ticket{.id_hash = jose::sha256(pt), .kind = TicketKind::kProxy, .service = std::string(kService),
                         .client_id = "app", .user_id = "u1", .sign_in = {"sid", clock_.now(), "pwd"},
                         .proxies = {"https://proxy.example/cb"}, .created_at = clock_.now(),
                         .expires_at = clock_.now() + 10});
  auto r = validate("/cas/serviceValidate", validation(pt));
  EXPECT_NE(r.body.find("code=\"INVALID_TICKET_SPEC\""), std::string::npos) << r.body;
}

TEST_F(CasTest, JsonAnswersAreServiceResponses) {
  auto ok = validate("/cas/p3/serviceValidate", validation(ticket_of(sign_in(kService))) + "&format=JSON");
  EXPECT_EQ(*ok.header("Content-Type"), "application/json; charset=utf-8");
  EXPECT_NE(ok.body.find(R"("authenticationSuccess":{"user":"ada")"), std::string::npos) << ok.body;
  auto bad = validate("/cas/p3/serviceValidate", validation("ST-nope-0123456789abcdefghijklmnopqrstu") + "&format=JSON");
  EXPECT_NE(bad.body.find(R"("code":"INVALID_TICKET")"), std::string::npos) << bad.body;
}

TEST_F(CasTest, MethodPostSendsTheTicketInAForm) {
  auto r = sign_in(kService, "&method=POST");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("action=\"https://app.example.com/cas/\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("name=\"ticket\" value=\"ST-"), std::string::npos) << r.body;
  EXPECT_EQ(*r.header("Content-Security-Policy"),
            "default-src 'self'; form-action https://app.example.com; frame-ancestors 'none'");
  auto semicolon = sign_in(std::string(kService) + ";script-src", "&method=POST");
  ASSERT_EQ(semicolon.status, 200) << semicolon.body;
  EXPECT_EQ(semicolon.header("Content-Security-Policy")->find("script-src"), std::string::npos) << "no injected directive";
}

TEST_F(CasTest, LogoutEndsTheSessionAndRedirectsOnlyToARegisteredService) {
  const auto cookie = session_cookie(sign_in(kService));
  auto out = cas_.logout(get("/cas/logout", "service=" + enc("https://evil.example/"), cookie));
  EXPECT_EQ(out.status, 200) << "no open redirect";
  auto r = cas_.login(get("/cas/login", "service=" + enc(kService), cookie));
  EXPECT_EQ(r.status, 200) << "the session ended: the form again";
  const auto cookie2 = session_cookie(sign_in(kService));
  auto back = cas_.logout(get("/cas/logout", "service=" + enc(kService), cookie2));
  EXPECT_EQ(back.status, 302);
  EXPECT_EQ(location(back), kService);
}

TEST_F(CasTest, APgtUrlFromAServiceWithoutProxyCallbacksIsRefused) {
  auto r = validate("/cas/serviceValidate", validation(ticket_of(sign_in(kService))) + "&pgtUrl=" + enc("https://app.example.com/cb"));
  EXPECT_NE(r.body.find("code=\"UNAUTHORIZED_SERVICE_PROXY\""), std::string::npos) << r.body;
}

TEST_F(CasTest, AProxyGrantingTicketGivesProxyTicketsThatOnlyProxyValidateAccepts) {
  auto proxying = add_proxying("https://proxy.example/");
  const std::string pgt = "PGT-" + std::string(43, 'g');
  pgts_.insert(ProxyGrantingTicket{.id_hash = jose::sha256(pgt), .client_id = "proxying", .user_id = "u1",
                                   .sign_in = {"sid-1", clock_.now(), "pwd"},
                                   .proxies = {"https://proxy.example/cb"}, .created_at = clock_.now(),
                                   .expires_at = clock_.now() + 3600});
  auto unknown = cas_.proxy(get("/cas/proxy", "pgt=PGT-nope&targetService=" + enc(kService)));
  EXPECT_NE(unknown.body.find("code=\"INVALID_TICKET\""), std::string::npos) << unknown.body;
  auto elsewhere = cas_.proxy(get("/cas/proxy", "pgt=" + pgt + "&targetService=" + enc("https://evil.example/")));
  EXPECT_NE(elsewhere.body.find("code=\"UNAUTHORIZED_SERVICE\""), std::string::npos) << elsewhere.body;
  auto missing = cas_.proxy(get("/cas/proxy", "pgt=" + pgt));
  EXPECT_NE(missing.body.find("code=\"INVALID_REQUEST\""), std::string::npos) << missing.body;
  auto proxy_ticket = [&] {
    auto r = cas_.proxy(get("/cas/proxy", "pgt=" + pgt + "&targetService=" + enc(kService)));
    const auto at = r.body.find("<cas:proxyTicket>");
    EXPECT_NE(at, std::string::npos) << r.body;
    return r.body.substr(at + 17, r.body.find("</cas:proxyTicket>") - at - 17);
  };
  const auto pt = proxy_ticket();
  EXPECT_TRUE(pt.starts_with("PT-")) << pt;
  auto ok = validate("/cas/p3/proxyValidate", validation(pt));
  EXPECT_NE(ok.body.find("<cas:user>ada</cas:user>"), std::string::npos) << ok.body;
  EXPECT_NE(ok.body.find("<cas:proxies>\n<cas:proxy>https://proxy.example/cb</cas:proxy>"), std::string::npos) << ok.body;
  auto refused = validate("/cas/serviceValidate", validation(proxy_ticket()));
  EXPECT_NE(refused.body.find("code=\"INVALID_TICKET_SPEC\""), std::string::npos) << refused.body;
  // Its application no longer allowed to proxy: no more proxy tickets from it.
  proxying.extra_metadata = R"({"cas_services": [{"match": "prefix", "url": "https://proxy.example.com/"}]})";
  ASSERT_EQ(backend_.clients().update(proxying), client::UpdateResult::kOk);
  registry_.invalidate();
  auto revoked = cas_.proxy(get("/cas/proxy", "pgt=" + pgt + "&targetService=" + enc(kService)));
  EXPECT_NE(revoked.body.find("code=\"UNAUTHORIZED_SERVICE\""), std::string::npos) << revoked.body;
  // Signing out ends the session's proxy-granting tickets.
  pgts_.revoke_session("sid-1");
  auto ended = cas_.proxy(get("/cas/proxy", "pgt=" + pgt + "&targetService=" + enc(kService)));
  EXPECT_NE(ended.body.find("code=\"INVALID_TICKET\""), std::string::npos) << ended.body;
}

TEST_F(CasTest, APgtUrlOverHttpIsRefusedAndOneToAForbiddenAddressGivesNoProxyGrantingTicket) {
  add_proxying("https://127.0.0.1:1/");
  http::ClientOptions o;
  o.connect_timeout = o.handshake_timeout = o.response_timeout = std::chrono::milliseconds(500);
  o.allow_address = [](const std::string&) { return false; };  // as for an internal address
  http::Client callbacks(o);
  deps_.callbacks = &callbacks;
  const std::string service = "https://proxy.example.com/app";
  auto plain = validate("/cas/serviceValidate", validation(ticket_of(sign_in(service)), service) + "&pgtUrl=" +
                                                    enc("http://127.0.0.1:1/cb"));
  EXPECT_NE(plain.body.find("code=\"INVALID_PROXY_CALLBACK\""), std::string::npos) << plain.body;
  auto unlisted = validate("/cas/serviceValidate", validation(ticket_of(sign_in(service)), service) + "&pgtUrl=" +
                                                       enc("https://other.example/cb"));
  EXPECT_NE(unlisted.body.find("code=\"INVALID_PROXY_CALLBACK\""), std::string::npos) << unlisted.body;
  auto refused = validate("/cas/serviceValidate", validation(ticket_of(sign_in(service)), service) + "&pgtUrl=" +
                                                      enc("https://127.0.0.1:1/cb"));
  EXPECT_NE(refused.body.find("<cas:user>ada</cas:user>"), std::string::npos) << refused.body;
  EXPECT_EQ(refused.body.find("proxyGrantingTicket"), std::string::npos) << "the callback never left: " << refused.body;
  deps_.callbacks = nullptr;
}

TEST(CasResponses, XmlEscapingKeepsTheDocumentsStructure) {
  EXPECT_EQ(xml_escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
  EXPECT_EQ(xml_escape(std::string("x\x01y", 3)), "x\xEF\xBF\xBDy") << "a control character XML cannot hold";
  EXPECT_EQ(xml_escape("\xC3\xA9t\xC3\xA9"), "\xC3\xA9t\xC3\xA9") << "UTF-8 kept";
  EXPECT_EQ(xml_escape("\xC3"), "\xEF\xBF\xBD") << "a cut sequence";
  EXPECT_EQ(xml_escape("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD") << "a surrogate is not UTF-8";
  auto r = failure_response(CasError::kInvalidTicket, "</cas:authenticationFailure><cas:user>x", Format::kXml);
  EXPECT_EQ(r.body.find("<cas:user>"), std::string::npos) << r.body;
  EXPECT_EQ(v1_response(nullptr).body, "no\n\n");
  const std::string forged = "ada\nyes";
  EXPECT_EQ(v1_response(&forged).body, "no\n\n") << "a user name cannot forge a line";
}

}  // namespace
}  // namespace gatehouse::cas

namespace gatehouse::cas {
namespace {

std::string saml_request(std::string_view ticket) {
  return "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\"><SOAP-ENV:Header/>"
         "<SOAP-ENV:Body><samlp:Request xmlns:samlp=\"urn:oasis:names:tc:SAML:1.0:protocol\" MajorVersion=\"1\" "
         "MinorVersion=\"1\" RequestID=\"_r1\" IssueInstant=\"2027-01-15T08:00:00Z\"><samlp:AssertionArtifact>" +
         std::string(ticket) + "</samlp:AssertionArtifact></samlp:Request></SOAP-ENV:Body></SOAP-ENV:Envelope>";
}

http::Request saml_post(std::string_view target, std::string body) {
  http::Request r;
  r.method = "POST";
  r.path = "/cas/samlValidate";
  r.query = "TARGET=" + http::percent_encode(target);
  r.body = std::move(body);
  return r;
}

TEST_F(CasTest, SamlValidateAnswersASaml11AssertionOnceForTheTicketsService) {
  const auto ticket = ticket_of(sign_in(kService));
  auto ok = cas_.saml_validate(saml_post(kService, saml_request(ticket)));
  EXPECT_EQ(ok.status, 200);
  EXPECT_NE(ok.body.find("<samlp:StatusCode Value=\"samlp:Success\"/>"), std::string::npos) << ok.body;
  EXPECT_NE(ok.body.find("<saml:NameIdentifier>ada</saml:NameIdentifier>"), std::string::npos);
  EXPECT_NE(ok.body.find("<saml:Attribute AttributeName=\"email\" AttributeNamespace=\"http://www.ja-sig.org/products/cas/\">"
                         "<saml:AttributeValue>ada@example.com</saml:AttributeValue>"),
            std::string::npos);
  EXPECT_NE(ok.body.find("Ada &lt;Lovelace&gt; &amp; &quot;Co&quot;"), std::string::npos) << "escaped";
  EXPECT_NE(ok.body.find("<saml:Audience>https://app.example.com/cas/</saml:Audience>"), std::string::npos);
  EXPECT_NE(ok.body.find("InResponseTo=\"_r1\""), std::string::npos) << "the request's RequestID";
  EXPECT_NE(ok.body.find("AuthenticationMethod=\"urn:oasis:names:tc:SAML:1.0:am:password\""), std::string::npos);
  auto again = cas_.saml_validate(saml_post(kService, saml_request(ticket)));
  EXPECT_NE(again.body.find("samlp:Responder"), std::string::npos) << "single use";
  EXPECT_EQ(again.body.find("NameIdentifier"), std::string::npos);
}

TEST_F(CasTest, SamlValidateRefusesAnotherServiceAndMalformedRequests) {
  const auto ticket = ticket_of(sign_in(kService));
  auto other = cas_.saml_validate(saml_post("https://app.example.com/cas/other", saml_request(ticket)));
  EXPECT_NE(other.body.find("samlp:Responder"), std::string::npos) << other.body;
  EXPECT_EQ(other.body.find("NameIdentifier"), std::string::npos);
  const auto fresh = ticket_of(sign_in(kService));
  for (const std::string& body :
       {std::string("not xml"), "<!DOCTYPE x [<!ENTITY e \"" + fresh + "\">]>" + saml_request("&e;"),
        saml_request(fresh).replace(saml_request(fresh).find("</samlp:Request>"), 0,
                                    "<samlp:AssertionArtifact>" + fresh + "</samlp:AssertionArtifact>"),
        std::string(20000, ' ') + saml_request(fresh)}) {
    auto refused = cas_.saml_validate(saml_post(kService, body));
    EXPECT_NE(refused.body.find("samlp:Requester"), std::string::npos) << body.substr(0, 200);
    EXPECT_EQ(refused.body.find("NameIdentifier"), std::string::npos);
  }
  auto no_target = cas_.saml_validate(saml_post("", saml_request(fresh)));
  EXPECT_NE(no_target.body.find("samlp:Requester"), std::string::npos);
  auto ok = cas_.saml_validate(saml_post(kService, saml_request(fresh)));
  EXPECT_NE(ok.body.find("samlp:Success"), std::string::npos) << "the refusals spent nothing";
}

}  // namespace
}  // namespace gatehouse::cas
