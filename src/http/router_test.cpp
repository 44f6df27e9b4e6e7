#include "http/router.hpp"

#include <gtest/gtest.h>

namespace gatehouse::http {
namespace {

Request make(std::string method, std::string path) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

Router sample() {
  Router router;
  router.add("GET", "/api/applications", [](const Request&, const PathParams&) { return empty_response(200); });
  router.add("GET", "/api/applications/{id}", [](const Request&, const PathParams& p) {
    Response r;
    r.body = p.get("id");
    return r;
  });
  router.add("DELETE", "/api/applications/{id}", [](const Request&, const PathParams&) { return empty_response(204); });
  return router;
}

TEST(Router, DispatchesExactPathsAndCapturesDecodedSegments) {
  auto router = sample();
  EXPECT_EQ(router.dispatch(make("GET", "/api/applications")).status, 200);
  auto r = router.dispatch(make("GET", "/api/applications/my%20app"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "my app");
}

TEST(Router, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  auto router = sample();
  auto r = router.dispatch(make("GET", "/api/nothing"));
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("\"not_found\""), std::string::npos);
  r = router.dispatch(make("POST", "/api/applications/x"));
  EXPECT_EQ(r.status, 405);
  ASSERT_NE(r.header("allow"), nullptr);
  EXPECT_EQ(*r.header("Allow"), "GET, DELETE");
}

TEST(Router, EmptyOrMalformedCaptureDoesNotMatch) {
  auto router = sample();
  EXPECT_EQ(router.dispatch(make("GET", "/api/applications/")).status, 404);
  EXPECT_EQ(router.dispatch(make("GET", "/api/applications/%zz")).status, 404);
}

TEST(PercentDecode, DecodesAndRejectsBadEscapes) {
  std::string out;
  EXPECT_TRUE(percent_decode("a%2Bb+c", out, true));
  EXPECT_EQ(out, "a+b c");
  EXPECT_TRUE(percent_decode("a+b", out, false));
  EXPECT_EQ(out, "a+b");
  EXPECT_FALSE(percent_decode("%4", out, true));
  EXPECT_FALSE(percent_decode("%", out, true));
  EXPECT_FALSE(percent_decode("%g0", out, true));
}

TEST(MediaType, StripsParametersAndCase) {
  EXPECT_EQ(media_type("Application/X-WWW-Form-Urlencoded; charset=UTF-8"), "application/x-www-form-urlencoded");
  EXPECT_EQ(media_type(" application/json "), "application/json");
}

}  // namespace
}  // namespace gatehouse::http

namespace gatehouse::http {
namespace {

TEST(Router, OnlyInlineRoutesAnswerInline) {
  Router router;
  router.add("GET", "/static", [](const Request&, const PathParams&) { return empty_response(200); }, Execution::kInline);
  router.add("GET", "/store", [](const Request&, const PathParams&) { return empty_response(200); });
  Request r;
  r.method = "GET";
  r.path = "/static";
  ASSERT_TRUE(router.dispatch_inline(r));
  EXPECT_EQ(router.dispatch_inline(r)->status, 200);
  r.path = "/store";
  EXPECT_FALSE(router.dispatch_inline(r));
  EXPECT_EQ(router.dispatch(r).status, 200);
  r.method = "POST";
  r.path = "/static";
  EXPECT_FALSE(router.dispatch_inline(r));  // the 405 is the worker path's answer
  EXPECT_EQ(router.dispatch(r).status, 405);
}

}  // namespace
}  // namespace gatehouse::http

namespace gatehouse::http {
namespace {

TEST(Router, AFastPathAnswersInlineOrDefersToTheWorkerHandler) {
  Router router;
  router.add(
      "POST", "/token", [](const Request&, const PathParams&) { return empty_response(201); },
      [](const Request& r, const PathParams&) -> std::optional<Response> {
        if (r.body == "fast") return empty_response(200);
        return std::nullopt;
      });
  Request r;
  r.method = "POST";
  r.path = "/token";
  r.body = "fast";
  ASSERT_TRUE(router.dispatch_inline(r));
  EXPECT_EQ(router.dispatch_inline(r)->status, 200);
  r.body = "slow";
  EXPECT_FALSE(router.dispatch_inline(r));
  EXPECT_EQ(router.dispatch(r).status, 201);
}

}  // namespace
}  // namespace gatehouse::http

namespace gatehouse::http {
namespace {

TEST(Router, AFastPathsContinuationRunsOnTheWorkerInsteadOfTheHandler) {
  Router router;
  router.add(
      "POST", "/token", [](const Request&, const PathParams&) { return empty_response(201); },
      [](const Request& r, const PathParams&) -> FastPathResult {
        std::string read = r.body;  // what the I/O thread read, owned by the continuation
        return Continuation([read](const Request&) { return empty_response(read == "slow" ? 202 : 500); });
      });
  Request r;
  r.method = "POST";
  r.path = "/token";
  r.body = "slow";
  EXPECT_FALSE(router.dispatch_inline(r));
  ASSERT_TRUE(r.continuation);
  r.body = "changed";
  EXPECT_EQ(router.dispatch(r).status, 202);
  EXPECT_FALSE(r.continuation) << "taken by the worker";
  EXPECT_EQ(router.dispatch(r).status, 201) << "without one, the handler runs";
}

}  // namespace
}  // namespace gatehouse::http
