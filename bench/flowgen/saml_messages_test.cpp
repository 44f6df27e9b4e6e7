// gatehouse-flowgen's SAML messages, checked against the node's own SAML code: the request it
// builds must pass the node's Redirect-binding decoding and AuthnRequest reader, and the answer
// check must accept the node's POST page and refuse one that lacks what the bench relies on.
#include "saml_messages.hpp"

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "saml/authn_request.hpp"
#include "saml/encoding.hpp"
#include "saml/redirect_signature.hpp"
#include "saml/xml.hpp"

namespace gatehouse::bench {
namespace {

const SamlSp kSp{"https://sp.bench.test/sp?a=1&b=2", "https://sp.bench.test/acs", "http://127.0.0.1:8080/saml/sso"};
constexpr std::int64_t kNow = 1'900'000'000;  // 2030-03-17T17:46:40Z

saml::AuthnRequest read_back(const std::string& query) {
  auto q = saml::parse_redirect_query(query, 64 * 1024);
  EXPECT_TRUE(q) << q.error();
  if (!q) return {};
  EXPECT_EQ(q->parameter, "SAMLRequest");
  EXPECT_EQ(q->relay_state, "bench state/1");
  EXPECT_TRUE(q->signature.empty());
  auto deflated = saml::base64_decode(q->message);
  EXPECT_TRUE(deflated);
  auto xml = saml::inflate_raw(deflated.value_or(""), 256 * 1024);
  EXPECT_TRUE(xml) << xml.error();
  auto doc = saml::parse(xml ? *xml : "", 256 * 1024);
  EXPECT_TRUE(doc) << doc.error();
  if (!doc) return {};
  auto req = saml::read_authn_request(*doc);
  EXPECT_TRUE(req) << req.error();
  return req ? *req : saml::AuthnRequest{};
}

TEST(SamlMessages, TheRedirectRequestReadsBackThroughTheNodesDecoder) {
  const auto id = new_saml_id();
  const auto req = read_back(redirect_query(authn_request_xml(kSp, id, kNow), "bench state/1"));
  EXPECT_EQ(req.id, id);
  EXPECT_EQ(req.issuer, kSp.entity_id);  // escaped in the XML, read back as given
  EXPECT_EQ(req.issue_instant, kNow);
  EXPECT_EQ(req.destination, kSp.sso_url);
  EXPECT_EQ(req.acs_url, kSp.acs_url);
  EXPECT_EQ(req.protocol_binding, "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST");
  EXPECT_FALSE(req.has_signature);
  EXPECT_FALSE(req.force_authn);
  EXPECT_FALSE(req.is_passive);
}

TEST(SamlMessages, IdsAreFreshNcNames) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto id = new_saml_id();
    ASSERT_EQ(id.size(), 41u);
    ASSERT_EQ(id[0], '_');  // an NCName may not start with a digit
    ASSERT_TRUE(seen.insert(id).second) << "a repeated ID: " << id;
  }
}

/// A POST page as the node writes it (answer.cpp post_page), with `response_xml` inside.
std::string page(const std::string& response_xml, const std::string& action = "https://sp.bench.test/acs") {
  return "<!doctype html>\n<html><head><title>Continue</title></head><body>\n<form method=\"post\" action=\"" + action +
         "\" id=\"saml-post\">\n<input type=\"hidden\" name=\"SAMLResponse\" value=\"" +
         saml::base64_encode(response_xml) +
         "\">\n<input type=\"hidden\" name=\"RelayState\" value=\"bench &amp; co\">\n</form></body></html>\n";
}

std::string response(const std::string& status = "urn:oasis:names:tc:SAML:2.0:status:Success",
                     const std::string& in_response_to = "_req1", bool with_assertion = true, bool signed_ = true) {
  std::string xml =
      "<?xml version=\"1.0\"?>\n<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"_r\" "
      "InResponseTo=\"" + in_response_to + "\"><samlp:Status><samlp:StatusCode Value=\"" + status +
      "\"/></samlp:Status>";
  if (with_assertion) {
    xml += "<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"_a\">";
    if (signed_) xml += "<ds:Signature><ds:SignatureValue>AAAA</ds:SignatureValue></ds:Signature>";
    xml += "</saml:Assertion>";
  }
  return xml + "</samlp:Response>";
}

TEST(SamlMessages, AcceptsTheNodesPostPage) {
  auto r = check_post_page(page(response()), kSp.acs_url, "_req1", "bench & co");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(*r, response());
}

TEST(SamlMessages, RefusesAPageWithoutWhatTheBenchCounts) {
  const auto problem = [](const std::string& html, std::string_view relay = "bench & co") {
    auto r = check_post_page(html, kSp.acs_url, "_req1", relay);
    return r ? std::string("accepted") : r.error();
  };
  EXPECT_EQ(problem("<html><form method=\"post\" action=\"/oauth2/login\"><input name=\"tx\" value=\"x\"></form>"),
            "the form does not post to https://sp.bench.test/acs");
  EXPECT_EQ(problem("<html>Something went wrong</html>"), "no <form> on the page");
  EXPECT_EQ(problem(page(response(), "https://other.test/acs")), "the form does not post to https://sp.bench.test/acs");
  EXPECT_EQ(problem(page(response()), "other state"), "the RelayState input is missing or changed");
  EXPECT_EQ(problem(page(response("urn:oasis:names:tc:SAML:2.0:status:Requester"))),
            "the Response's status is not Success");
  EXPECT_EQ(problem(page(response(std::string("urn:oasis:names:tc:SAML:2.0:status:Success"), "_other"))),
            "the Response does not answer request _req1");
  EXPECT_EQ(problem(page(response("urn:oasis:names:tc:SAML:2.0:status:Success", "_req1", false))),
            "the Response holds no assertion");
  EXPECT_EQ(problem(page(response("urn:oasis:names:tc:SAML:2.0:status:Success", "_req1", true, false))),
            "the Response carries no signature");
  auto not_base64 = page(response());
  not_base64.replace(not_base64.find("value=\"") + 7, 1, "!");
  EXPECT_EQ(problem(not_base64), "the SAMLResponse is not base64");
  // An element whose name only starts with "Assertion" is not an assertion.
  auto consumer = response("urn:oasis:names:tc:SAML:2.0:status:Success", "_req1", false);
  consumer.insert(consumer.find("</samlp:Response>"), "<md:AssertionConsumerService/><ds:SignatureValue/>");
  EXPECT_EQ(problem(page(consumer)), "the Response holds no assertion");
}

}  // namespace
}  // namespace gatehouse::bench
