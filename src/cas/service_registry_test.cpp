#include "cas/service_registry.hpp"

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "client/client_metadata.hpp"

namespace gatehouse::cas {
namespace {

using std::chrono_literals::operator""s;

/// A client registered through the same validation as the admin API (so every test document is
/// also one registration accepts).
client::Client registered(std::string_view doc) {
  auto draft = client::parse_metadata(boost::json::parse(doc).as_object(), client::MetadataDefaults{});
  if (!draft) throw std::runtime_error(draft.error().field + ": " + draft.error().message);
  return draft->client;
}

ServicePattern exact(std::string url) { return {MatchKind::kExact, std::move(url)}; }
ServicePattern prefix(std::string url) { return {MatchKind::kPrefix, std::move(url)}; }
ServicePattern regex(std::string url) { return {MatchKind::kRegex, std::move(url)}; }

TEST(ServicePatternMatching, ExactIsByteForByte) {
  const auto p = exact("https://app.example.com/cas/login");
  EXPECT_TRUE(matches(p, "https://app.example.com/cas/login"));
  EXPECT_FALSE(matches(p, "https://app.example.com/cas/login/"));
  EXPECT_FALSE(matches(p, "https://app.example.com/cas/login?x=1"));
  EXPECT_FALSE(matches(p, "https://APP.example.com/cas/login"));
  EXPECT_FALSE(matches(p, "http://app.example.com/cas/login"));
}

TEST(ServicePatternMatching, PrefixNeedsAPathBoundary) {
  const auto p = prefix("https://app.example.com/app");
  EXPECT_TRUE(matches(p, "https://app.example.com/app"));
  EXPECT_TRUE(matches(p, "https://app.example.com/app/page"));
  EXPECT_TRUE(matches(p, "https://app.example.com/app?next=%2Fhome"));
  EXPECT_TRUE(matches(p, "https://app.example.com/app#top"));
  EXPECT_FALSE(matches(p, "https://app.example.com/application")) << "no path boundary";
  EXPECT_FALSE(matches(p, "https://app.example.com/app%2F..%2Fadmin")) << "an encoded slash is no boundary";
  EXPECT_FALSE(matches(p, "https://app.example.com/app.evil")) << "no path boundary";
  EXPECT_FALSE(matches(p, "https://other.example.com/app/page")) << "another host";

  const auto host = prefix("https://app.example.com");
  EXPECT_TRUE(matches(host, "https://app.example.com/anything"));
  EXPECT_FALSE(matches(host, "https://app.example.com.evil/")) << "a host that only starts alike";
  EXPECT_FALSE(matches(host, "https://app.example.com.evil.example/"));
  EXPECT_FALSE(matches(host, "https://app.example.com@evil.example/")) << "user information";
  EXPECT_FALSE(matches(host, "https://app.example.com:8443/")) << "another port";

  const auto slash = prefix("https://app.example.com/app/");
  EXPECT_TRUE(matches(slash, "https://app.example.com/app/page")) << "a prefix ending in / needs no boundary";
  EXPECT_FALSE(matches(slash, "https://app.example.com/app/../admin")) << "a dot segment steps out of the prefix";
  EXPECT_FALSE(matches(slash, "https://app.example.com/app/%2e%2e/admin")) << "an encoded dot segment too";
  EXPECT_FALSE(matches(slash, "https://app.example.com/app/%2E%2E/admin"));
  EXPECT_FALSE(matches(slash, "https://app.example.com/app"));
}

TEST(ServicePatternMatching, RegexIsAnchoredToTheWholeUrl) {
  const auto p = regex(R"(https://[a-z]+\.example\.com/cas/.*)");
  EXPECT_TRUE(matches(p, "https://app.example.com/cas/login"));
  EXPECT_TRUE(matches(p, "https://wiki.example.com/cas/"));
  EXPECT_FALSE(matches(p, "https://app.example.com.evil/cas/login")) << "anchored at the host's end too";
  EXPECT_FALSE(matches(p, "http://app.example.com/cas/login"));
  EXPECT_FALSE(matches(regex(R"(https://app\.example\.com/)"), "https://app.example.com/x")) << "end anchored";
  EXPECT_FALSE(matches(regex(R"(app\.example\.com/)"), "https://app.example.com/")) << "start anchored";
  EXPECT_FALSE(matches(regex("https://(app"), "https://app")) << "a pattern that does not compile matches nothing";
}

TEST(ServicePatternMatching, UrlsThatAreNotPlainHttpUrlsNeverMatch) {
  const auto any = regex(".*");
  EXPECT_TRUE(matches(any, "https://app.example.com/"));
  EXPECT_FALSE(matches(any, ""));
  EXPECT_FALSE(matches(any, "/relative/path"));
  EXPECT_FALSE(matches(any, "javascript:alert(1)"));
  EXPECT_FALSE(matches(any, "ftp://app.example.com/"));
  EXPECT_FALSE(matches(any, "https://user:pw@app.example.com/"));
  EXPECT_FALSE(matches(any, "https://app.example.com/a b"));
  EXPECT_FALSE(matches(any, "https://app.example.com/\r\nSet-Cookie:x"));
  EXPECT_FALSE(matches(any, std::string("https://app.example.com/\0x", 26)));
  EXPECT_FALSE(matches(any, "https://app.example.com\\@evil.example/"));
  EXPECT_FALSE(matches(any, "https:///no-host"));
  EXPECT_FALSE(matches(any, "https://app%2Eexample.com/")) << "a percent-encoded host";
  EXPECT_FALSE(matches(regex(R"(https://[^/]+\.example\.com/.*)"), "https://evil.test%23.example.com/"));
  const std::string base = "https://app.example.com/";
  EXPECT_TRUE(matches(any, base + std::string(kMaxServiceLength - base.size(), 'a')));
  EXPECT_FALSE(matches(any, base + std::string(kMaxServiceLength - base.size() + 1, 'a'))) << "overlong";
  EXPECT_FALSE(matches(prefix("https://app.example.com/"), base + std::string(kMaxServiceLength, 'a')));
}

TEST(ServicePatternMatching, CatastrophicBacktrackingGivesUpQuickly) {
  // Each of these takes PCRE2's default budget (ten million steps, ~0.1 s) on this URL; with the
  // registry's limits, about a hundredth of it. Twenty of them stay well under a second.
  const std::string url = "https://app.example.com/" + std::string(2000, 'a') + "!";
  const char* hostile[] = {R"(https://app\.example\.com/(a+)+$)", R"(https://app\.example\.com/(a|a)*$)",
                           R"(https://app\.example\.com/((a*)*)*$)", R"(https://app\.example\.com/(a|aa)+$)",
                           R"(https://app\.example\.com/(.*a){12}$)"};
  const auto started = std::chrono::steady_clock::now();
  for (int round = 0; round < 4; ++round)
    for (const char* pattern : hostile) EXPECT_FALSE(matches(regex(pattern), url)) << pattern;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s) << "the match limit bounds the work";
  EXPECT_TRUE(matches(regex(R"(https://app\.example\.com/(a+)+!)"), url)) << "a match within the budget";
}

TEST(ServiceRegistration, ReadsTheCasMembersOfAClient) {
  auto c = registered(R"({"client_id":"wiki","client_name":"The Wiki","mfa_policy":"required",
      "cas_services":[{"match":"prefix","url":"https://wiki.example.com/"}],
      "cas_proxy_callbacks":[{"match":"exact","url":"https://wiki.example.com/pgt"}],
      "cas_attributes":["email","groups"],"cas_sso":false,"cas_logout_url":"https://wiki.example.com/slo"})");
  auto r = registration_of(c);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->client_id, "wiki");
  EXPECT_EQ(r->name, "The Wiki");
  ASSERT_EQ(r->services.size(), 1u);
  EXPECT_EQ(r->services[0].match, MatchKind::kPrefix);
  EXPECT_EQ(r->services[0].url, "https://wiki.example.com/");
  ASSERT_EQ(r->proxy_callbacks.size(), 1u);
  EXPECT_EQ(r->proxy_callbacks[0].match, MatchKind::kExact);
  EXPECT_EQ(r->attributes, (std::vector<std::string>{"email", "groups"}));
  EXPECT_FALSE(r->sso);
  EXPECT_EQ(r->logout_url, "https://wiki.example.com/slo");
  EXPECT_EQ(r->mfa_policy, "required");

  auto plain = registration_of(registered(R"({"client_id":"blog","cas_services":[{"match":"regex","url":"https://b/.*"}]})"));
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->name, "blog") << "without client_name, the client_id";
  EXPECT_TRUE(plain->sso) << "cas_sso defaults to true";
  EXPECT_TRUE(plain->attributes.empty());
  EXPECT_TRUE(plain->proxy_callbacks.empty());
  EXPECT_EQ(plain->logout_url, "");
  EXPECT_EQ(plain->mfa_policy, "");

  EXPECT_FALSE(registration_of(registered(R"({"client_id":"oidc-only"})")));
  EXPECT_FALSE(registration_of(registered(R"({"client_id":"none","cas_services":[]})")));
}

/// A loader over a list of clients the test edits, counting its calls.
struct FakeDirectory {
  std::vector<client::Client> clients;
  std::atomic<int> loads{0};
  bool fail = false;
  ServiceRegistry::Loader loader() {
    return [this] {
      ++loads;
      if (fail) throw std::runtime_error("database unavailable");
      return clients;
    };
  }
};

std::string cas_client(std::string_view id, std::string_view services) {
  return R"({"client_id":")" + std::string(id) + R"(","cas_services":)" + std::string(services) + "}";
}

TEST(ServiceRegistry, TheMostSpecificRegistrationWins) {
  FakeDirectory dir;
  for (const auto& doc : {
           cas_client("z-exact", R"([{"match":"exact","url":"https://app.example.com/app/login"}])"),
           cas_client("y-exact", R"([{"match":"exact","url":"https://app.example.com/app/login"}])"),
           cas_client("a-short", R"([{"match":"prefix","url":"https://app.example.com"}])"),
           cas_client("m-long", R"([{"match":"prefix","url":"https://app.example.com/app"}])"),
           cas_client("b-long", R"([{"match":"prefix","url":"https://app.example.com/app"}])"),
           cas_client("0-regex", R"([{"match":"regex","url":"https://app\\.example\\.com/.*"}])"),
           cas_client("1-regex", R"([{"match":"regex","url":"https://(app|api)\\.example\\.com/.*"}])"),
       })
    dir.clients.push_back(registered(doc));
  FixedClock clock(1000);
  ServiceRegistry registry(dir.loader(), 60s, clock);
  auto id_of = [&](std::string_view service) {
    auto r = registry.find(service);
    return r ? r->client_id : std::string("(none)");
  };
  EXPECT_EQ(id_of("https://app.example.com/app/login"), "y-exact") << "exact first, then the lowest client_id";
  EXPECT_EQ(id_of("https://app.example.com/app/other"), "b-long") << "the longest prefix, then the lowest client_id";
  EXPECT_EQ(id_of("https://app.example.com/apple"), "a-short") << "the longer prefix has no boundary here";
  EXPECT_EQ(id_of("https://app.example.com/"), "a-short") << "a prefix before any regex";
  EXPECT_EQ(id_of("https://api.example.com/x"), "1-regex");
  EXPECT_EQ(id_of("https://app.example.com.evil/app"), "(none)");
  EXPECT_EQ(id_of("https://app.example.com/app/login#x@evil"), "b-long") << "not the exact one, still a prefix";
  EXPECT_EQ(id_of("https://evil.example/?https://app.example.com/app/login"), "(none)");
  EXPECT_EQ(id_of("https://u@app.example.com/app/login"), "(none)");
  EXPECT_EQ(dir.loads.load(), 1) << "one load serves every lookup";

  ASSERT_NE(registry.by_client("m-long"), nullptr);
  EXPECT_EQ(registry.by_client("m-long")->services[0].url, "https://app.example.com/app");
  EXPECT_EQ(registry.by_client("nobody"), nullptr);
}

TEST(ServiceRegistry, ReloadsAfterInvalidateAndAfterTheTtl) {
  FakeDirectory dir;
  dir.clients.push_back(registered(cas_client("one", R"([{"match":"prefix","url":"https://one.example.com/"}])")));
  FixedClock clock(1000);
  ServiceRegistry registry(dir.loader(), 60s, clock);
  EXPECT_EQ(dir.loads.load(), 0) << "nothing loads before the first lookup";
  EXPECT_NE(registry.find("https://one.example.com/x"), nullptr);
  EXPECT_EQ(registry.find("https://two.example.com/x"), nullptr);
  EXPECT_EQ(dir.loads.load(), 1);

  dir.clients.push_back(registered(cas_client("two", R"([{"match":"prefix","url":"https://two.example.com/"}])")));
  EXPECT_EQ(registry.find("https://two.example.com/x"), nullptr) << "not before an invalidation";
  registry.invalidate();
  EXPECT_EQ(dir.loads.load(), 1) << "invalidate() itself does not load";
  EXPECT_NE(registry.find("https://two.example.com/x"), nullptr);
  EXPECT_NE(registry.by_client("two"), nullptr);
  EXPECT_EQ(dir.loads.load(), 2);

  dir.clients.erase(dir.clients.begin());
  clock.advance(59);
  EXPECT_NE(registry.find("https://one.example.com/x"), nullptr) << "within the ttl";
  EXPECT_EQ(dir.loads.load(), 2);
  clock.advance(1);
  EXPECT_EQ(registry.find("https://one.example.com/x"), nullptr) << "a missed event is caught by the ttl";
  EXPECT_EQ(dir.loads.load(), 3);
  EXPECT_EQ(registry.find("not a url"), nullptr);
  EXPECT_EQ(dir.loads.load(), 3);
}

TEST(ServiceRegistry, AFailedReloadKeepsThePreviousSnapshot) {
  FakeDirectory dir;
  dir.clients.push_back(registered(cas_client("one", R"([{"match":"exact","url":"https://one.example.com/"}])")));
  FixedClock clock(1000);
  ServiceRegistry registry(dir.loader(), 60s, clock);
  dir.fail = true;
  EXPECT_THROW(registry.find("https://one.example.com/"), std::runtime_error) << "no snapshot yet: the failure is the caller's";
  dir.fail = false;
  EXPECT_NE(registry.find("https://one.example.com/"), nullptr);
  const int before = dir.loads.load();

  dir.fail = true;
  registry.invalidate();
  EXPECT_NE(registry.find("https://one.example.com/"), nullptr) << "the previous snapshot is served";
  EXPECT_EQ(dir.loads.load(), before + 1);
  EXPECT_NE(registry.find("https://one.example.com/"), nullptr);
  EXPECT_EQ(dir.loads.load(), before + 1) << "no retry within the same second";
  clock.advance(1);
  dir.fail = false;
  dir.clients.clear();
  EXPECT_EQ(registry.find("https://one.example.com/"), nullptr) << "the next attempt loads the change";
  EXPECT_EQ(dir.loads.load(), before + 2);
}

TEST(ServiceRegistry, LookupsRacingInvalidationsAlwaysSeeASnapshot) {
  FakeDirectory dir;
  dir.clients.push_back(registered(cas_client("one", R"([{"match":"prefix","url":"https://one.example.com/"}])")));
  FixedClock clock(1000);
  ServiceRegistry registry(dir.loader(), 60s, clock);
  std::atomic<int> misses{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t)
    readers.emplace_back([&] {
      for (int i = 0; i < 2000; ++i)
        if (registry.find("https://one.example.com/x") == nullptr) ++misses;
    });
  std::thread invalidator([&] {
    while (!stop) registry.invalidate();
  });
  for (auto& r : readers) r.join();
  stop = true;
  invalidator.join();
  EXPECT_EQ(misses.load(), 0);
  EXPECT_GE(dir.loads.load(), 1);
}

TEST(ServiceRegistry, ProxyCallbacksNeedHttpsAndARegisteredPattern) {
  ServiceRegistration r;
  r.proxy_callbacks = {prefix("https://app.example.com/pgt"), regex(R"(https?://cb\.example\.com/[0-9]+)")};
  EXPECT_TRUE(ServiceRegistry::proxy_callback_allowed(r, "https://app.example.com/pgt/callback"));
  EXPECT_TRUE(ServiceRegistry::proxy_callback_allowed(r, "https://cb.example.com/42"));
  EXPECT_FALSE(ServiceRegistry::proxy_callback_allowed(r, "http://cb.example.com/42")) << "https only";
  EXPECT_FALSE(ServiceRegistry::proxy_callback_allowed(r, "https://app.example.com/pgtx"));
  EXPECT_FALSE(ServiceRegistry::proxy_callback_allowed(r, "https://evil.example/pgt"));
  EXPECT_FALSE(ServiceRegistry::proxy_callback_allowed(ServiceRegistration{}, "https://app.example.com/pgt"))
      << "no cas_proxy_callbacks: no proxying";
}

}  // namespace
}  // namespace gatehouse::cas
