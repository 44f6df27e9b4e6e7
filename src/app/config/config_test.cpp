#include "app/config/config.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>

#include <fmt/core.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "app/config/schema.hpp"
#include "core/base64url.hpp"

namespace gatehouse::app::config {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using Env = std::map<std::string, std::string>;

// A TOML file in the temp directory, removed when the test ends.
class TempToml {
 public:
  explicit TempToml(const std::string& text) {
    static std::atomic<int> counter{0};
    path_ = (std::filesystem::temp_directory_path() /
             ("gatehouse_config_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".toml"))
                .string();
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~TempToml() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  TempToml(const TempToml&) = delete;
  TempToml& operator=(const TempToml&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string load_error(const std::string& toml, const Env& env = {}) {
  TempToml file(toml);
  auto result = load(file.path(), env);
  EXPECT_FALSE(result.has_value()) << "expected an error for:\n" << toml;
  return result ? std::string() : result.error();
}

std::string env_error(const Env& env) {
  auto result = load("", env);
  EXPECT_FALSE(result.has_value());
  return result ? std::string() : result.error();
}

Config load_ok(const std::string& toml, const Env& env = {}) {
  TempToml file(toml);
  auto result = load(file.path(), env);
  EXPECT_TRUE(result.has_value()) << result.error();
  return result ? *result : Config{};
}

Config env_ok(const Env& env) {
  auto result = load("", env);
  EXPECT_TRUE(result.has_value()) << result.error();
  return result ? *result : Config{};
}

// The rendered TOML without its comment lines (source file, master key status).
std::string without_comments(const std::string& text) {
  std::istringstream in(text);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("#")) out += line + "\n";
  }
  return out;
}

std::string valid_master_key() { return base64url_encode(std::string(32, '\x5a')); }

constexpr const char* kFullFile = R"(
[server]
listen = "0.0.0.0:8443"
public_url = "https://id.example.com/tenant/"
io_threads = 2
worker_threads = 8
max_pending_requests = 500
max_body_bytes = "128KiB"
max_header_bytes = 8192
header_timeout = "5s"
idle_timeout = 30000
drain_delay = "250ms"
shutdown_grace = "1m"

[database]
url = "sqlite::memory:"
pool_size = 2
busy_timeout = "2s"
purge_interval = "30s"

[keys]
master_key_file = "/etc/gatehouse/master.key"
algorithms = ["RS256"]
jwks_max_age = "1h"

[tokens]
access_token_ttl = "15m"
default_signing_alg = "RS256"
refresh_token_max_lifetime = "90d"

[oauth]
require_pkce = true

[bootstrap]
kickstart = "/etc/gatehouse/kickstart.json"

[log]
level = "debug"
)";

void expect_same(const Config& a, const Config& b) {
  EXPECT_EQ(a.server.listen, b.server.listen);
  EXPECT_EQ(a.server.public_url, b.server.public_url);
  EXPECT_EQ(a.server.io_threads, b.server.io_threads);
  EXPECT_EQ(a.server.worker_threads, b.server.worker_threads);
  EXPECT_EQ(a.server.max_pending_requests, b.server.max_pending_requests);
  EXPECT_EQ(a.server.max_body_bytes, b.server.max_body_bytes);
  EXPECT_EQ(a.server.max_header_bytes, b.server.max_header_bytes);
  EXPECT_EQ(a.server.header_timeout, b.server.header_timeout);
  EXPECT_EQ(a.server.idle_timeout, b.server.idle_timeout);
  EXPECT_EQ(a.server.drain_delay, b.server.drain_delay);
  EXPECT_EQ(a.server.shutdown_grace, b.server.shutdown_grace);
  EXPECT_EQ(a.database.url.reveal(), b.database.url.reveal());
  EXPECT_EQ(a.database.pool_size, b.database.pool_size);
  EXPECT_EQ(a.database.busy_timeout, b.database.busy_timeout);
  EXPECT_EQ(a.keys.master_key_file, b.keys.master_key_file);
  EXPECT_EQ(a.keys.algorithms, b.keys.algorithms);
  EXPECT_EQ(a.keys.jwks_max_age, b.keys.jwks_max_age);
  EXPECT_EQ(a.tokens.access_token_ttl, b.tokens.access_token_ttl);
  EXPECT_EQ(a.tokens.default_signing_alg, b.tokens.default_signing_alg);
  EXPECT_EQ(a.tokens.refresh_token_max_lifetime, b.tokens.refresh_token_max_lifetime);
  EXPECT_EQ(a.oauth.require_pkce, b.oauth.require_pkce);
  EXPECT_EQ(a.rate_limits.authorize_per_ip, b.rate_limits.authorize_per_ip);
  EXPECT_EQ(a.bootstrap.kickstart, b.bootstrap.kickstart);
  EXPECT_EQ(a.log.level, b.log.level);
}

// --- defaults, files, precedence ------------------------------------------------------------

TEST(ConfigLoad, EmptyPathGivesDefaults) {
  auto c = env_ok({});
  expect_same(c, Config{});
  EXPECT_EQ(c.server.listen, "127.0.0.1:9011");
  EXPECT_EQ(c.server.public_url, "http://127.0.0.1:9011");
  EXPECT_EQ(c.database.sqlite_path(), "./data/gatehouse.db");
  EXPECT_TRUE(c.keys.master_key.empty());
  EXPECT_EQ(c.source_path, "");
}

TEST(ConfigLoad, EmptyFileGivesDefaults) { expect_same(load_ok(""), Config{}); }

TEST(ConfigLoad, FullFileLoads) {
  TempToml file(kFullFile);
  auto result = load(file.path(), {});
  ASSERT_TRUE(result.has_value()) << result.error();
  const Config& c = *result;
  EXPECT_EQ(c.source_path, file.path());
  EXPECT_EQ(c.server.listen, "0.0.0.0:8443");
  EXPECT_EQ(c.server.public_url, "https://id.example.com/tenant");
  EXPECT_EQ(c.server.io_threads, 2);
  EXPECT_EQ(c.server.worker_threads, 8);
  EXPECT_EQ(c.server.max_pending_requests, 500u);
  EXPECT_EQ(c.server.max_body_bytes, 128u * 1024);
  EXPECT_EQ(c.server.max_header_bytes, 8192u);
  EXPECT_EQ(c.server.header_timeout, 5s);
  EXPECT_EQ(c.server.idle_timeout, 30s);
  EXPECT_EQ(c.server.drain_delay, 250ms);
  EXPECT_EQ(c.server.shutdown_grace, 1min);
  EXPECT_EQ(c.database.url.reveal(), "sqlite::memory:");
  EXPECT_EQ(c.database.sqlite_path(), ":memory:");
  EXPECT_EQ(c.database.pool_size, 2);
  EXPECT_EQ(c.database.busy_timeout, 2s);
  EXPECT_EQ(c.database.purge_interval, 30s);
  EXPECT_EQ(c.keys.master_key_file, "/etc/gatehouse/master.key");
  EXPECT_EQ(c.keys.algorithms, std::vector<std::string>{"RS256"});
  EXPECT_EQ(c.keys.jwks_max_age, 1h);
  EXPECT_EQ(c.tokens.access_token_ttl, 900s);
  EXPECT_EQ(c.tokens.default_signing_alg, "RS256");
  EXPECT_EQ(c.tokens.refresh_token_max_lifetime, 90 * 24h);
  EXPECT_TRUE(c.oauth.require_pkce);
  EXPECT_EQ(c.bootstrap.kickstart, "/etc/gatehouse/kickstart.json");
  EXPECT_EQ(c.log.level, "debug");
}

TEST(ConfigLoad, EnvOverridesFile) {
  auto c = load_ok("[server]\nlisten = \"0.0.0.0:1\"\nio_threads = 3\n", {{"GATEHOUSE_SERVER_LISTEN", "127.0.0.1:7000"}});
  EXPECT_EQ(c.server.listen, "127.0.0.1:7000");
  EXPECT_EQ(c.server.io_threads, 3);  // from the file, not overridden
}

TEST(ConfigLoad, EnvParsesEveryType) {
  auto c = env_ok({{"GATEHOUSE_SERVER_WORKER_THREADS", "16"},
                   {"GATEHOUSE_SERVER_MAX_BODY_BYTES", "1MiB"},
                   {"GATEHOUSE_SERVER_IDLE_TIMEOUT", "1500"},  // bare integer: milliseconds field
                   {"GATEHOUSE_TOKENS_ACCESS_TOKEN_TTL", "600"},  // bare integer: seconds field
                   {"GATEHOUSE_KEYS_JWKS_MAX_AGE", "2m"},
                   {"GATEHOUSE_KEYS_ALGORITHMS", "ES256, RS256"},
                   {"GATEHOUSE_TOKENS_DEFAULT_SIGNING_ALG", "ES256"},
                   {"GATEHOUSE_BOOTSTRAP_KICKSTART", "/k.json"},
                   {"GATEHOUSE_LOG_LEVEL", "warn"}});
  EXPECT_EQ(c.server.worker_threads, 16);
  EXPECT_EQ(c.server.max_body_bytes, 1024u * 1024);
  EXPECT_EQ(c.server.idle_timeout, 1500ms);
  EXPECT_EQ(c.tokens.access_token_ttl, 600s);
  EXPECT_EQ(c.keys.jwks_max_age, 120s);
  EXPECT_EQ(c.keys.algorithms, (std::vector<std::string>{"ES256", "RS256"}));
  EXPECT_EQ(c.tokens.default_signing_alg, "ES256");
  EXPECT_EQ(c.bootstrap.kickstart, "/k.json");
  EXPECT_EQ(c.log.level, "warn");
}

TEST(ConfigLoad, BooleansComeFromTomlOrTrueFalseInTheEnvironment) {
  EXPECT_FALSE(env_ok({}).oauth.require_pkce);
  EXPECT_TRUE(env_ok({{"GATEHOUSE_OAUTH_REQUIRE_PKCE", "true"}}).oauth.require_pkce);
  EXPECT_FALSE(load_ok("[oauth]\nrequire_pkce = false\n", {}).oauth.require_pkce);
  EXPECT_THAT(env_error({{"GATEHOUSE_OAUTH_REQUIRE_PKCE", "yes"}}), HasSubstr("expected true or false"));
  EXPECT_THAT(load_error("[oauth]\nrequire_pkce = \"true\"\n"), HasSubstr("oauth.require_pkce: expected a boolean"));
}

TEST(ConfigLoad, MissingFileIsNamed) {
  auto result = load("/nonexistent/gatehouse.toml", {});
  ASSERT_FALSE(result.has_value());
  EXPECT_THAT(result.error(), HasSubstr("/nonexistent/gatehouse.toml"));
  EXPECT_THAT(result.error(), HasSubstr("does not exist"));
}

TEST(ConfigLoad, ParseErrorNamesFileLineAndColumn) {
  TempToml file("[server]\nlisten = \"127.0.0.1:1\"\nio_threads = = 3\n");
  auto result = load(file.path(), {});
  ASSERT_FALSE(result.has_value());
  EXPECT_THAT(result.error(), HasSubstr(file.path()));
  EXPECT_THAT(result.error(), HasSubstr("line 3"));
  EXPECT_THAT(result.error(), HasSubstr("column"));
}

// --- unknown keys and sections ---------------------------------------------------------------

TEST(ConfigLoad, UnknownKeyInFileIsRefused) {
  EXPECT_THAT(load_error("[server]\nbogus = 1\n"), HasSubstr("server.bogus"));
}

TEST(ConfigLoad, UnknownSectionIsRefused) {
  auto error = load_error("[servre]\nlisten = \"127.0.0.1:1\"\n");
  EXPECT_THAT(error, HasSubstr("servre"));
  EXPECT_THAT(error, HasSubstr("unknown section"));
}

TEST(ConfigLoad, TopLevelKeyIsRefused) { EXPECT_THAT(load_error("listen = \"127.0.0.1:1\"\n"), HasSubstr("listen")); }

TEST(ConfigLoad, SectionThatIsNotATableIsRefused) { EXPECT_THAT(load_error("server = 5\n"), HasSubstr("server")); }

TEST(ConfigLoad, UnknownKeyInEnvIsRefused) {
  auto error = env_error({{"GATEHOUSE_SERVER_BOGUS", "1"}});
  EXPECT_THAT(error, HasSubstr("GATEHOUSE_SERVER_BOGUS"));
  EXPECT_THAT(error, HasSubstr("server.bogus"));
}

TEST(ConfigLoad, EnvOfUnknownSectionIsIgnored) {
  expect_same(env_ok({{"GATEHOUSE_TEST_X", "whatever"}, {"GATEHOUSE_TEST_PG_DSN", "postgres://u:p@h/db"}, {"PATH", "/bin"}}),
              Config{});
}

// --- types and values ------------------------------------------------------------------------

TEST(ConfigLoad, WrongTypeNamesKeyAndExpectedType) {
  auto error = load_error("[server]\nlisten = 5\n");
  EXPECT_THAT(error, HasSubstr("server.listen"));
  EXPECT_THAT(error, HasSubstr("expected a string"));
  EXPECT_THAT(load_error("[server]\nio_threads = \"4\"\n"), HasSubstr("server.io_threads: expected an integer"));
  EXPECT_THAT(load_error("[keys]\nalgorithms = \"RS256\"\n"), HasSubstr("keys.algorithms: expected an array of strings"));
  EXPECT_THAT(load_error("[keys]\nalgorithms = [\"RS256\", 1]\n"), HasSubstr("keys.algorithms"));
  EXPECT_THAT(load_error("[server]\nheader_timeout = 1.5\n"), HasSubstr("server.header_timeout: expected a duration"));
}

TEST(ConfigLoad, EnvWrongTypeNamesKeyAndVariable) {
  EXPECT_THAT(env_error({{"GATEHOUSE_SERVER_IO_THREADS", "four"}}),
              HasSubstr("server.io_threads (from GATEHOUSE_SERVER_IO_THREADS): expected an integer"));
}

TEST(ConfigLoad, RangesAreEnforced) {
  EXPECT_THAT(load_error("[server]\nio_threads = 257\n"), HasSubstr("server.io_threads: must be between 0 and 256"));
  EXPECT_THAT(load_error("[server]\nworker_threads = -1\n"), HasSubstr("server.worker_threads"));
  EXPECT_THAT(load_error("[server]\nmax_pending_requests = 0\n"), HasSubstr("server.max_pending_requests"));
  EXPECT_THAT(load_error("[server]\nmax_body_bytes = 100\n"), HasSubstr("server.max_body_bytes"));
  EXPECT_THAT(load_error("[server]\nmax_header_bytes = \"2MiB\"\n"), HasSubstr("server.max_header_bytes"));
  EXPECT_THAT(load_error("[server]\nheader_timeout = \"50ms\"\n"), HasSubstr("must be between 100ms and 10m, got 50ms"));
  EXPECT_THAT(load_error("[database]\npurge_interval = \"5s\"\n"),
              HasSubstr("database.purge_interval: must be between 10s and 1d, got 5s"));
  EXPECT_THAT(load_error("[server]\nidle_timeout = \"2h\"\n"), HasSubstr("server.idle_timeout"));
  EXPECT_THAT(load_error("[database]\npool_size = -1\n"), HasSubstr("database.pool_size"));
  EXPECT_THAT(load_error("[database]\npool_size = 257\n"), HasSubstr("database.pool_size"));
  EXPECT_THAT(load_error("[keys]\njwks_max_age = \"2d\"\n"), HasSubstr("keys.jwks_max_age"));
  EXPECT_THAT(load_error("[tokens]\naccess_token_ttl = 0\n"), HasSubstr("tokens.access_token_ttl"));
  EXPECT_THAT(load_error("[log]\nlevel = \"verbose\"\n"), HasSubstr("log.level"));
}

TEST(ConfigLoad, PoolSizeAutoIsOneForSqliteAndFourForPostgres) {
  EXPECT_EQ(load_ok("").database.effective_pool_size(), 1);
  EXPECT_EQ(load_ok("[database]\nurl = \"postgresql://gh@127.0.0.1/gh\"\n").database.effective_pool_size(), 4);
  EXPECT_EQ(load_ok("[database]\npool_size = 3\n").database.effective_pool_size(), 3);
  EXPECT_EQ(load_ok("[database]\nurl = \"postgresql://gh@127.0.0.1/gh\"\npool_size = 2\n").database.effective_pool_size(), 2);
}

TEST(ConfigRateLimits, AuthorizePerIpIsOnByDefaultAndConfigurable) {
  EXPECT_EQ(Config{}.rate_limits.authorize_per_ip, 300);
  EXPECT_EQ(load_ok("[rate_limits]\nauthorize_per_ip = 20\n").rate_limits.authorize_per_ip, 20);
  EXPECT_EQ(load_ok("[rate_limits]\nauthorize_per_ip = 0\n").rate_limits.authorize_per_ip, 0);  // off
  EXPECT_EQ(load_ok("", {{"GATEHOUSE_RATE_LIMITS_AUTHORIZE_PER_IP", "7"}}).rate_limits.authorize_per_ip, 7);
  EXPECT_THAT(load_error("[rate_limits]\nauthorize_per_ip = -1\n"), HasSubstr("rate_limits.authorize_per_ip"));
  // A section whose name holds an underscore is found from its variables too.
  EXPECT_EQ(load_ok("", {{"GATEHOUSE_RATE_LIMITS_LOGIN_PER_IP", "9"}}).rate_limits.login_per_ip, 9);
  EXPECT_THAT(env_error({{"GATEHOUSE_RATE_LIMITS_NOPE", "1"}}), HasSubstr("unknown key rate_limits.nope"));
  EXPECT_THAT(render(Config{}), HasSubstr("authorize_per_ip = 300"));
}

TEST(ConfigLoad, SeveralProblemsAreAllReported) {
  auto error = load_error("[server]\nio_threads = 999\nbogus = 1\n[log]\nlevel = \"loud\"\n");
  EXPECT_THAT(error, HasSubstr("server.io_threads"));
  EXPECT_THAT(error, HasSubstr("server.bogus"));
  EXPECT_THAT(error, HasSubstr("log.level"));
}

// --- listen and public_url -------------------------------------------------------------------

TEST(ConfigListen, AcceptsHostPortForms) {
  for (const char* listen : {"127.0.0.1:0", "0.0.0.0:65535", "[::1]:9011", "[::]:80", "localhost:9011", "id.example.com:443"}) {
    EXPECT_EQ(env_ok({{"GATEHOUSE_SERVER_LISTEN", listen}}).server.listen, listen);
  }
}

TEST(ConfigListen, RefusesBadForms) {
  EXPECT_THAT(load_error("[server]\nlisten = \"abc\"\n"), HasSubstr("server.listen: expected \"host:port\", got \"abc\""));
  for (const char* listen : {"127.0.0.1", "127.0.0.1:65536", "127.0.0.1:-1", ":9011", "::1:9011", "[::1]", "[zz]:1",
                             "256.1.1.1:80", "bad host:80", "host:80x", ""}) {
    EXPECT_THAT(env_error({{"GATEHOUSE_SERVER_LISTEN", listen}}), HasSubstr("server.listen (from GATEHOUSE_SERVER_LISTEN)"))
        << listen;
  }
}

TEST(ConfigPublicUrl, TrailingSlashIsRemoved) {
  EXPECT_EQ(env_ok({{"GATEHOUSE_SERVER_PUBLIC_URL", "https://id.example.com/"}}).server.public_url, "https://id.example.com");
  EXPECT_EQ(env_ok({{"GATEHOUSE_SERVER_PUBLIC_URL", "https://id.example.com:8443/realm/a/"}}).server.public_url,
            "https://id.example.com:8443/realm/a");
  EXPECT_EQ(env_ok({{"GATEHOUSE_SERVER_PUBLIC_URL", "http://[::1]:9011"}}).server.public_url, "http://[::1]:9011");
}

TEST(ConfigPublicUrl, RefusesNonIssuerUrls) {
  EXPECT_THAT(load_error("[server]\npublic_url = \"/relative\"\n"), HasSubstr("server.public_url"));
  EXPECT_THAT(load_error("[server]\npublic_url = \"id.example.com\"\n"), HasSubstr("absolute"));
  EXPECT_THAT(load_error("[server]\npublic_url = \"https://id.example.com/#frag\"\n"), HasSubstr("fragment"));
  EXPECT_THAT(load_error("[server]\npublic_url = \"https://id.example.com/?a=b\"\n"), HasSubstr("query"));
  EXPECT_THAT(load_error("[server]\npublic_url = \"ftp://id.example.com\"\n"), HasSubstr("http or https"));
  EXPECT_THAT(load_error("[server]\npublic_url = \"https://user:pw@id.example.com\"\n"), HasSubstr("user information"));
  EXPECT_THAT(load_error("[server]\npublic_url = \"https://\"\n"), HasSubstr("server.public_url"));
  EXPECT_THAT(load_error("[server]\npublic_url = \"https://id.example.com:0\"\n"), HasSubstr("port"));
  EXPECT_THAT(load_error("[server]\npublic_url = \"https://id.example.com/a b\"\n"), HasSubstr("percent-encoded"));
}

// --- keys and tokens -------------------------------------------------------------------------

TEST(ConfigKeys, AlgorithmsMustContainRs256) {
  EXPECT_THAT(load_error("[keys]\nalgorithms = [\"ES256\"]\n[tokens]\ndefault_signing_alg = \"ES256\"\n"),
              HasSubstr("keys.algorithms: must contain \"RS256\""));
  EXPECT_THAT(env_error({{"GATEHOUSE_KEYS_ALGORITHMS", "ES256"}}), HasSubstr("GATEHOUSE_KEYS_ALGORITHMS"));
}

TEST(ConfigKeys, AlgorithmsAreChecked) {
  EXPECT_THAT(load_error("[keys]\nalgorithms = []\n"), HasSubstr("keys.algorithms"));
  EXPECT_THAT(load_error("[keys]\nalgorithms = [\"RS256\", \"HS256\"]\n"), HasSubstr("HS256"));
  EXPECT_THAT(load_error("[keys]\nalgorithms = [\"RS256\", \"RS256\"]\n"), HasSubstr("twice"));
  EXPECT_THAT(env_error({{"GATEHOUSE_KEYS_ALGORITHMS", "RS256,,ES256"}}), HasSubstr("keys.algorithms"));
}

TEST(ConfigKeys, DefaultSigningAlgMustBeConfigured) {
  EXPECT_THAT(load_error("[keys]\nalgorithms = [\"RS256\"]\n[tokens]\ndefault_signing_alg = \"ES256\"\n"),
              HasSubstr("tokens.default_signing_alg: \"ES256\" is not one of keys.algorithms"));
  EXPECT_THAT(env_error({{"GATEHOUSE_KEYS_ALGORITHMS", "RS256"}, {"GATEHOUSE_TOKENS_DEFAULT_SIGNING_ALG", "ES256"}}),
              HasSubstr("tokens.default_signing_alg (from GATEHOUSE_TOKENS_DEFAULT_SIGNING_ALG)"));
  EXPECT_THAT(load_error("[tokens]\ndefault_signing_alg = \"none\"\n"), HasSubstr("tokens.default_signing_alg"));
}

TEST(ConfigKeys, MasterKeyFromEnvIsValidated) {
  const std::string key = valid_master_key();
  auto c = env_ok({{"GATEHOUSE_KEYS_MASTER_KEY", key}});
  EXPECT_EQ(c.keys.master_key.reveal(), key);

  const std::string short_key = base64url_encode(std::string(16, 'k'));
  auto error = env_error({{"GATEHOUSE_KEYS_MASTER_KEY", short_key}});
  EXPECT_THAT(error, HasSubstr("keys.master_key (from GATEHOUSE_KEYS_MASTER_KEY)"));
  EXPECT_THAT(error, HasSubstr("16 bytes"));
  EXPECT_THAT(error, Not(HasSubstr(short_key)));

  const std::string not_base64 = "this is not base64url!!";
  error = env_error({{"GATEHOUSE_KEYS_MASTER_KEY", not_base64}});
  EXPECT_THAT(error, HasSubstr("keys.master_key"));
  EXPECT_THAT(error, Not(HasSubstr(not_base64)));

  EXPECT_THAT(env_error({{"GATEHOUSE_KEYS_MASTER_KEY", ""}}), HasSubstr("is empty"));
  // `openssl rand -base64 32`: standard base64 with padding is accepted too.
  const std::string standard = base64_encode(std::string(32, '\xfb'));
  EXPECT_EQ(env_ok({{"GATEHOUSE_KEYS_MASTER_KEY", standard}}).keys.master_key.reveal(), standard);
  EXPECT_THAT(env_error({{"GATEHOUSE_KEYS_MASTER_KEY", base64_encode(std::string(31, 'k'))}}), HasSubstr("31 bytes"));
  EXPECT_THAT(load_error("[keys]\nmaster_key = 7\n"), HasSubstr("keys.master_key: expected a string"));
}

TEST(ConfigKeys, KeyFileMayNotBeEmptyWithoutMasterKey) {
  EXPECT_THAT(load_error("[keys]\nmaster_key_file = \"\"\n"), HasSubstr("keys.master_key_file"));
  EXPECT_TRUE(load("", {{"GATEHOUSE_KEYS_MASTER_KEY_FILE", ""}, {"GATEHOUSE_KEYS_MASTER_KEY", valid_master_key()}}).has_value());
}

// --- durations -------------------------------------------------------------------------------

TEST(ConfigDuration, StringsWithUnitsParse) {
  EXPECT_EQ(env_ok({{"GATEHOUSE_TOKENS_ACCESS_TOKEN_TTL", "15m"}}).tokens.access_token_ttl, 900s);
  EXPECT_EQ(load_ok("[tokens]\naccess_token_ttl = \"15m\"\n").tokens.access_token_ttl, 900s);
  EXPECT_EQ(load_ok("[tokens]\naccess_token_ttl = \"1d\"\n").tokens.access_token_ttl, 86400s);
  EXPECT_EQ(load_ok("[tokens]\naccess_token_ttl = 60\n").tokens.access_token_ttl, 60s);
  EXPECT_EQ(load_ok("[tokens]\naccess_token_ttl = \"2000ms\"\n").tokens.access_token_ttl, 2s);
  EXPECT_EQ(load_ok("[server]\nheader_timeout = 250\n").server.header_timeout, 250ms);
  EXPECT_EQ(load_ok("[server]\nidle_timeout = \"1h\"\n").server.idle_timeout, 1h);
  EXPECT_EQ(load_ok("[server]\ndrain_delay = 0\n").server.drain_delay, 0ms);
}

TEST(ConfigDuration, BadDurationsAreRefused) {
  for (const char* bad : {"15", "15 m", "m", "-5s", "1.5s", "15min", "1h30m", "", "99999999999999999999d"}) {
    EXPECT_THAT(load_error(std::string("[tokens]\naccess_token_ttl = \"") + bad + "\"\n"), HasSubstr("tokens.access_token_ttl"))
        << bad;
  }
  EXPECT_THAT(load_error("[tokens]\naccess_token_ttl = \"1500ms\"\n"), HasSubstr("whole number of seconds"));
  EXPECT_THAT(env_error({{"GATEHOUSE_TOKENS_ACCESS_TOKEN_TTL", "soon"}}),
              HasSubstr("tokens.access_token_ttl (from GATEHOUSE_TOKENS_ACCESS_TOKEN_TTL): expected a duration"));
  EXPECT_THAT(env_error({{"GATEHOUSE_TOKENS_ACCESS_TOKEN_TTL", "2d"}}), HasSubstr("must be between 1s and 1d, got 2d"));
  EXPECT_THAT(load_error("[tokens]\naccess_token_ttl = 9223372036854775807\n"), HasSubstr("tokens.access_token_ttl"));
}

// --- database --------------------------------------------------------------------------------

TEST(ConfigDatabase, SqliteAndPostgresqlUrlsAreAcceptedAndAPasswordIsNeverShown) {
  const std::string dsn = "postgres://gatehouse:s3cret@db.internal/gatehouse";
  auto c = load_ok("[database]\nurl = \"" + dsn + "\"\n");
  EXPECT_TRUE(c.database.is_postgres());
  EXPECT_EQ(c.database.sqlite_path(), "");
  EXPECT_THAT(render(c), HasSubstr("url = \"postgres://gatehouse:<redacted>@db.internal/gatehouse\""));
  EXPECT_THAT(render(c), Not(HasSubstr("s3cret")));
  EXPECT_EQ(redact_url("postgresql://db.internal:5432/g"), "postgresql://db.internal:5432/g");
  EXPECT_EQ(redact_url("postgresql://user@db/g"), "postgresql://user@db/g");
  auto bad = load_error("[database]\nurl = \"postgresql://gatehouse:s3cret@/x#frag\"\n");
  EXPECT_THAT(bad, HasSubstr("database.url"));
  EXPECT_THAT(bad, Not(HasSubstr("s3cret")));
  EXPECT_THAT(load_error("[database]\nurl = \"mysql://x\"\n"), HasSubstr("database.url"));
  EXPECT_THAT(load_error("[database]\nurl = \"sqlite:\"\n"), HasSubstr("database.url"));
  EXPECT_THAT(load_error("[database]\nurl = \"./gatehouse.db\"\n"), HasSubstr("database.url"));
  EXPECT_EQ(load_ok("[database]\nurl = \"sqlite:/var/lib/g.db\"\n").database.sqlite_path(), "/var/lib/g.db");
}

TEST(ConfigDatabase, TheUrlIsASecretFromTheFileAndTheEnvironmentOn) {
  // It cannot be formatted into a log line (fmt finds no formatter for a Secret): a compile-time fact.
  static_assert(std::is_same_v<decltype(DatabaseConfig::url), DatabaseUrl>);
  static_assert(!fmt::is_formattable<DatabaseUrl>::value);
  const std::string dsn = "postgresql://gatehouse:hunter2-db@db.internal:5432/gatehouse?sslmode=verify-full";
  EXPECT_EQ(load_ok("[database]\nurl = \"" + dsn + "\"\n").database.url.reveal(), dsn);
  const auto from_env = load_ok("", {{"GATEHOUSE_DATABASE_URL", dsn}});
  EXPECT_EQ(from_env.database.url.reveal(), dsn);
  EXPECT_TRUE(from_env.database.is_postgres());
  EXPECT_THAT(render(from_env), HasSubstr("url = \"postgresql://gatehouse:<redacted>@db.internal:5432/gatehouse?sslmode=verify-full\""));
  EXPECT_THAT(render(from_env), Not(HasSubstr("hunter2-db")));
  EXPECT_THAT(render(Config{}), HasSubstr("url = \"sqlite:./data/gatehouse.db\"")) << "the default is rendered as before";
  // A bad URL is refused without being echoed, from the file and from the environment.
  for (const auto* bad : {"postgresql://gatehouse:hunter2-db@/x#frag", "postgresql://gatehouse:hunter2-db@db.internal:5432/g#f",
                          "mysql://gatehouse:hunter2-db@db.internal/g"}) {
    const auto from_file = load_error("[database]\nurl = \"" + std::string(bad) + "\"\n");
    EXPECT_THAT(from_file, HasSubstr("database.url")) << bad;
    EXPECT_THAT(from_file, Not(HasSubstr("hunter2-db"))) << bad;
    const auto env = load_error("", {{"GATEHOUSE_DATABASE_URL", bad}});
    EXPECT_THAT(env, HasSubstr("database.url")) << bad;
    EXPECT_THAT(env, Not(HasSubstr("hunter2-db"))) << bad;
  }
}

// --- cache -----------------------------------------------------------------------------------

TEST(ConfigCache, ARedisUrlIsCheckedWithoutEverShowingItsPassword) {
  EXPECT_EQ(load_ok("").cache.redis_url, "");
  auto c = load_ok("[cache]\nredis_url = \"redis://:s3cret@cache.internal:6380/2\"\nredis_timeout = \"50ms\"\n");
  EXPECT_EQ(c.cache.redis_timeout, std::chrono::milliseconds(50));
  EXPECT_THAT(render(c), HasSubstr("redis_url = \"redis://:<redacted>@cache.internal:6380/2\""));
  EXPECT_THAT(render(c), Not(HasSubstr("s3cret")));
  for (const char* bad : {"http://:s3cret@h:1", "redis://:s3cret@", "redis://:s3cret@h/db", "redis://:s3cret@h?x=1"}) {
    auto error = load_error(std::string("[cache]\nredis_url = \"") + bad + "\"\n");
    EXPECT_THAT(error, HasSubstr("cache.redis_url")) << bad;
    EXPECT_THAT(error, Not(HasSubstr("s3cret"))) << bad;
  }
  EXPECT_THAT(env_error({{"GATEHOUSE_CACHE_REDIS_TIMEOUT", "1m"}}), HasSubstr("cache.redis_timeout"));
}

// --- proxies ---------------------------------------------------------------------------------

TEST(ConfigServer, ForwardedHeaderIsOneOfTwoNames) {
  EXPECT_EQ(Config{}.server.forwarded_header, "x-forwarded-for");
  EXPECT_EQ(load_ok("[server]\nforwarded_header = \"forwarded\"\n").server.forwarded_header, "forwarded");
  EXPECT_EQ(env_ok({{"GATEHOUSE_SERVER_FORWARDED_HEADER", "forwarded"}}).server.forwarded_header, "forwarded");
  EXPECT_THAT(load_error("[server]\nforwarded_header = \"X-Real-IP\"\n"),
              HasSubstr("server.forwarded_header: expected \"x-forwarded-for\" or \"forwarded\""));
  EXPECT_THAT(env_error({{"GATEHOUSE_SERVER_FORWARDED_HEADER", "both"}}), HasSubstr("server.forwarded_header"));
  EXPECT_THAT(render(Config{}), HasSubstr("forwarded_header = \"x-forwarded-for\""));
}

// --- cluster ---------------------------------------------------------------------------------

TEST(ConfigCluster, ClusterModeNeedsANodeIdAndPostgresql) {
  auto no_id = load_error("[cluster]\nenabled = true\n[database]\nurl = \"postgresql://db/g\"\n");
  EXPECT_THAT(no_id, HasSubstr("cluster.node_id: is required when cluster.enabled is true"));
  auto sqlite = load_error("[cluster]\nenabled = true\nnode_id = \"a\"\n");
  EXPECT_THAT(sqlite, HasSubstr("cluster mode needs a shared PostgreSQL database"));
  auto c = load_ok("[cluster]\nenabled = true\nnode_id = \"node-a.1\"\nnode_url = \"http://10.0.0.5:9011/\"\n"
                   "checkin_interval_ms = 1000\ninstance_timeout_ms = 4000\n[database]\nurl = \"postgresql://db/g\"\n");
  EXPECT_TRUE(c.cluster.enabled);
  EXPECT_EQ(c.cluster.node_id, "node-a.1");
  EXPECT_EQ(c.cluster.node_url, "http://10.0.0.5:9011");
  EXPECT_EQ(c.cluster.checkin_interval_ms, 1000);
  EXPECT_EQ(c.cluster.instance_timeout_ms, 4000);
  EXPECT_EQ(c.cluster.instance_recovery_timeout_ms, 30000);
  EXPECT_THAT(load_error("[cluster]\nnode_id = \"has space\"\n"), HasSubstr("cluster.node_id: must be 1-64"));
  EXPECT_THAT(load_error("[cluster]\nnode_url = \"ftp://x\"\n"), HasSubstr("cluster.node_url"));
  EXPECT_THAT(load_error("[cluster]\ncheckin_interval_ms = 30000\n"), HasSubstr("must be less than cluster.instance_timeout_ms"));
  EXPECT_THAT(env_error({{"GATEHOUSE_CLUSTER_CHECKIN_OFFSET_MS", "-1"}}), HasSubstr("cluster.checkin_offset_ms"));
}

// --- render ----------------------------------------------------------------------------------

TEST(ConfigRender, NeverShowsTheMasterKey) {
  const std::string key = valid_master_key();
  auto c = env_ok({{"GATEHOUSE_KEYS_MASTER_KEY", key}});
  const std::string text = render(c);
  EXPECT_THAT(text, Not(HasSubstr(key)));
  EXPECT_THAT(text, HasSubstr("<redacted>"));
  EXPECT_THAT(render(Config{}), Not(HasSubstr("<redacted>")));
}

TEST(ConfigRender, ShowsEveryKey) {
  const std::string text = render(Config{});
  for (const char* line : {"[server]", "listen = \"127.0.0.1:9011\"", "header_timeout = \"10s\"", "max_body_bytes = 65536",
                           "[database]", "busy_timeout = \"5s\"", "[keys]", "algorithms = [\"RS256\", \"ES256\"]",
                           "jwks_max_age = \"5m\"", "master_key", "[tokens]", "access_token_ttl = \"1h\"", "[bootstrap]",
                           "kickstart = \"\"", "[log]", "level = \"info\""}) {
    EXPECT_THAT(text, HasSubstr(line));
  }
}

TEST(ConfigRender, RoundTrips) {
  const std::string key = valid_master_key();
  TempToml original(kFullFile);
  auto first = load(original.path(), {{"GATEHOUSE_KEYS_MASTER_KEY", key}, {"GATEHOUSE_SERVER_DRAIN_DELAY", "1500"}});
  ASSERT_TRUE(first.has_value()) << first.error();

  TempToml rendered(render(*first));
  auto second = load(rendered.path(), {});
  ASSERT_TRUE(second.has_value()) << second.error() << "\n" << render(*first);
  expect_same(*first, *second);
  EXPECT_TRUE(second->keys.master_key.empty());  // the secret never travels through render()
  EXPECT_EQ(without_comments(render(*second)), without_comments(render(*first)));

  auto defaults = load(TempToml(render(Config{})).path(), {});
  ASSERT_TRUE(defaults.has_value()) << defaults.error();
  expect_same(*defaults, Config{});
}

TEST(ConfigRender, EscapesStrings) {
  Config c;
  c.bootstrap.kickstart = "C:\\kick \"start\"\n.json";
  TempToml rendered(render(c));
  auto back = load(rendered.path(), {});
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_EQ(back->bootstrap.kickstart, c.bootstrap.kickstart);
}

TEST(ConfigEnv, ProcessEnvironmentIsFiltered) {
  ::setenv("GATEHOUSE_TEST_CONFIG_PROBE", "a=b", 1);
  auto env = environment_from_process();
  ::unsetenv("GATEHOUSE_TEST_CONFIG_PROBE");
  EXPECT_EQ(env["GATEHOUSE_TEST_CONFIG_PROBE"], "a=b");
  for (const auto& [name, value] : env) EXPECT_EQ(name.rfind("GATEHOUSE_", 0), 0u) << name;
}

// --- the schema: one descriptor per key ------------------------------------------------------

// A value other than the default for every key, secrets included, that passes the cross-key checks.
std::string every_key_file() {
  return R"(
[server]
trusted_proxies = ["10.0.0.0/8", "::1"]
forwarded_header = "forwarded"
listen = "[::]:9443"
public_url = "https://login.example.com/realm"
max_connections = 100
io_threads = 3
worker_threads = 6
max_body_bytes = "1MiB"
max_header_bytes = "32KiB"
max_pending_requests = 200
drain_delay = "3s"
header_timeout = "750ms"
shutdown_grace = "20s"
idle_timeout = "2m"
tls_cert_file = "/etc/gatehouse/tls.crt"
tls_key_file = "/etc/gatehouse/tls.key"

[database]
url = "postgresql://gatehouse@db.example.com:5432/gatehouse"
pool_size = 2
busy_timeout = "2s"
purge_interval = "90s"

[keys]
master_key_file = "/etc/gatehouse/master.key"
master_key = ")" + valid_master_key() + R"("
algorithms = ["ES256", "RS256"]
jwks_max_age = "1h"
rotation_period = "7d"

[tokens]
access_token_ttl = "15m"
default_signing_alg = "ES256"
id_token_ttl = "10m"
code_ttl = "30s"
refresh_token_ttl = "7d"
refresh_grace = "5s"
refresh_token_max_lifetime = "90d"

[oauth]
require_pkce = true

[cluster]
enabled = true
node_id = "node-a"
node_url = "https://node-a.internal:9443"
node_ca_file = "/etc/gatehouse/ca.pem"
instance_timeout_ms = 20000
instance_recovery_timeout_ms = 60000
checkin_interval_ms = 2000
checkin_offset_ms = 100
max_clock_skew_ms = 2500

[cache]
redis_url = "redis://cache.internal:6379/1"
redis_timeout = "500ms"

[metrics]
allow = ["10.1.0.0/16"]
token = "0123456789abcdef0123"

[rate_limits]
window = "2m"
token_per_client = 1
token_per_ip = 2
login_per_client = 3
login_per_ip = 4
authorize_per_ip = 5
client_auth_failures_per_ip = 6
api_key_failures_per_ip = 7

[passwords]
memory_kib = 65536
iterations = 3
parallelism = 2
min_length = 12

[login]
lockout_threshold = 3
lockout_window = "10m"
lockout_duration = "30m"
session_idle_timeout = "1h"
session_lifetime = "1d"
transaction_ttl = "5m"
session_cookie = "gh_sso"
session_cookie_path = "/id"

[mfa]
issuer = "Example Login"
default_policy = "required"
enrol_when_required = false
code_lockout_threshold = 4
code_lockout_window = "20m"
code_lockout_duration = "1h"

[account]
reauthenticate_after = "10m"

[webauthn]
rp_id = "example.com"
origins = ["https://login.example.com", "https://www.example.com:8443"]
user_verification = "required"
challenge_ttl = "2m"

[cas]
ticket_ttl = "20s"
proxy_callback_addresses = ["10.0.0.0/8"]
proxy_callback_ca_file = "/etc/gatehouse/cas-ca.pem"
proxy_callback_timeout = "2s"

[saml]
entity_id = "https://login.example.com/idp"
clock_skew = "1m"
assertion_lifetime = "2m"
artifact_ttl = "30s"
metadata_refresh = "30m"

[bootstrap]
kickstart = "/etc/gatehouse/kickstart.json"

[log]
level = "debug"
format = "text"
)";
}

bool is_secret(const Key& key) { return render_line(key, Config{}).starts_with("#"); }

// The key's field in a and in b hold the same value (compared as values, not through render).
bool same_value(const Key& key, Config a, Config b) {
  const FieldRef other = key.field(b);
  return std::visit(
      [&](auto* mine) {
        const auto* theirs = std::get<decltype(mine)>(other);
        if constexpr (requires { *mine == *theirs; }) {
          return *mine == *theirs;
        } else {
          return mine->reveal() == theirs->reveal();  // a secret
        }
      },
      key.field(a));
}

// Catches a key whose apply and render disagree: every key, set to a value other than its
// default, renders to TOML that loads back to the same value (secrets never travel).
TEST(ConfigSchema, EveryKeyRoundTripsThroughRender) {
  const Config full = load_ok(every_key_file());
  for (const auto& k : keys()) {
    EXPECT_FALSE(same_value(k, full, Config{})) << dotted(k) << " needs a non-default value in this test";
  }
  const Config back = load_ok(render(full));
  for (const auto& k : keys()) {
    EXPECT_TRUE(same_value(k, back, is_secret(k) ? Config{} : full)) << dotted(k) << ": " << render_line(k, back);
  }
  EXPECT_TRUE(back.keys.master_key.empty());
  EXPECT_TRUE(back.metrics.token.empty());
}

TEST(ConfigSchema, EveryKeyIsDescribedOnce) {
  std::set<std::string> seen;
  for (const auto& k : keys()) EXPECT_TRUE(seen.insert(dotted(k)).second) << dotted(k);
  EXPECT_EQ(seen.size(), keys().size());
}

// The keys that may differ between the nodes of a cluster: exactly those the node's
// configuration hash left out before the schema carried the flag.
TEST(ConfigSchema, NodeLocalKeysAreTheNodesOwn) {
  std::set<std::string> node_local;
  for (const auto& k : keys()) {
    if (k.node_local) node_local.insert(dotted(k));
  }
  EXPECT_EQ(node_local, (std::set<std::string>{"server.listen", "server.io_threads", "server.worker_threads", "keys.master_key_file",
                                               "cluster.node_id", "cluster.node_url", "cluster.checkin_offset_ms",
                                               "bootstrap.kickstart", "log.level"}));
}

TEST(ConfigSchema, ClusterWideRenderLeavesOutExactlyTheNodeLocalKeys) {
  const Config full = load_ok(every_key_file());
  const std::string wide = render_cluster_wide(full);
  std::set<std::string> lines;
  std::istringstream in(wide);
  for (std::string line; std::getline(in, line);) lines.insert(line);
  for (const auto& k : keys()) {
    EXPECT_EQ(lines.count(render_line(k, full)), k.node_local ? 0u : 1u) << dotted(k);
  }

  Config other_node = full;  // another node of the same cluster
  other_node.server.listen = "10.0.0.2:9011";
  other_node.server.io_threads = 4;
  other_node.server.worker_threads = 16;
  other_node.keys.master_key_file = "/srv/master.key";
  other_node.cluster.node_id = "node-b";
  other_node.cluster.node_url = "https://node-b.internal:9443";
  other_node.cluster.checkin_offset_ms = 2500;
  other_node.bootstrap.kickstart = "";
  other_node.log.level = "info";
  other_node.source_path = "/srv/gatehouse.toml";
  EXPECT_EQ(render_cluster_wide(other_node), wide);

  Config drifted = full;
  drifted.tokens.access_token_ttl = std::chrono::seconds(60);
  EXPECT_NE(render_cluster_wide(drifted), wide);
  Config no_master_key = full;  // whether the master key is set counts, never its value
  no_master_key.keys.master_key = MasterKeyBytes();
  EXPECT_NE(render_cluster_wide(no_master_key), wide);
  EXPECT_THAT(wide, Not(HasSubstr(valid_master_key())));
  EXPECT_THAT(wide, Not(HasSubstr("0123456789abcdef0123")));
}

TEST(ConfigMfa, SecondFactorKeysAreCheckedLikeTheLoginLockout) {
  const Config defaults = load_ok("");
  EXPECT_EQ(defaults.mfa.issuer, "");
  EXPECT_EQ(defaults.mfa.code_lockout_threshold, 5);
  EXPECT_EQ(defaults.mfa.default_policy, "optional");
  EXPECT_TRUE(defaults.mfa.enrol_when_required);
  EXPECT_EQ(defaults.mfa.code_lockout_window, 900s);
  EXPECT_EQ(defaults.mfa.code_lockout_duration, 900s);
  EXPECT_EQ(defaults.account.reauthenticate_after, 300s);
  auto c = load_ok("[mfa]\nissuer = \"Acme Sign-in\"\ncode_lockout_window = \"2m\"\n",
                   {{"GATEHOUSE_MFA_CODE_LOCKOUT_THRESHOLD", "3"}, {"GATEHOUSE_ACCOUNT_REAUTHENTICATE_AFTER", "0s"}});
  EXPECT_EQ(c.mfa.issuer, "Acme Sign-in");
  EXPECT_EQ(c.mfa.code_lockout_threshold, 3);
  EXPECT_EQ(c.mfa.code_lockout_window, 120s);
  EXPECT_EQ(c.account.reauthenticate_after, 0s);
  EXPECT_EQ(load_ok("[mfa]\ndefault_policy = \"required\"\nenrol_when_required = false\n").mfa.default_policy, "required");
  EXPECT_THAT(load_error("[mfa]\ndefault_policy = \"always\"\n"),
              HasSubstr("mfa.default_policy: expected \"off\", \"optional\" or \"required\""));
  EXPECT_THAT(load_error("[mfa]\ncode_lockout_threshold = 0\n"), HasSubstr("mfa.code_lockout_threshold: must be between 1 and 1000"));
  EXPECT_THAT(load_error("[mfa]\ncode_lockout_duration = \"2d\"\n"), HasSubstr("mfa.code_lockout_duration"));
  EXPECT_THAT(load_error("[mfa]\nissuer = \"Acme: Sign-in\"\n"), HasSubstr("mfa.issuer: must be empty"));
  EXPECT_THAT(load_error("[mfa]\nissuer = \"" + std::string(65, 'a') + "\"\n"), HasSubstr("mfa.issuer"));
  EXPECT_THAT(load_error("[account]\nreauthenticate_after = \"2d\"\n"), HasSubstr("account.reauthenticate_after"));
}

TEST(ConfigWebauthn, RelyingPartyComesFromPublicUrlUnlessSet) {
  const Config defaults = load_ok("[server]\npublic_url = \"https://Login.Example.com:8443/realm/\"\n");
  EXPECT_EQ(defaults.webauthn.rp_id, "");
  EXPECT_TRUE(defaults.webauthn.origins.empty());
  EXPECT_EQ(defaults.webauthn.user_verification, "preferred");
  EXPECT_EQ(defaults.webauthn.challenge_ttl, 300s);
  EXPECT_EQ(effective_rp_id(defaults), "login.example.com");
  EXPECT_EQ(effective_origins(defaults), std::vector<std::string>{"https://login.example.com:8443"}) << "as browsers write it";
  EXPECT_EQ(effective_rp_id(load_ok("[server]\npublic_url = \"http://localhost:9011\"\n")), "localhost");
  auto c = load_ok("[server]\npublic_url = \"https://id.example.com\"\n[webauthn]\nrp_id = \"example.com\"\n"
                   "origins = [\"https://id.example.com/\", \"https://App.example.com\"]\nchallenge_ttl = \"1m\"\n",
                   {{"GATEHOUSE_WEBAUTHN_USER_VERIFICATION", "required"}});
  EXPECT_EQ(effective_rp_id(c), "example.com");
  EXPECT_EQ(effective_origins(c), (std::vector<std::string>{"https://id.example.com", "https://app.example.com"}));
  EXPECT_EQ(c.webauthn.user_verification, "required");
  EXPECT_EQ(c.webauthn.challenge_ttl, 60s);
  EXPECT_THAT(load_error("[webauthn]\nuser_verification = \"always\"\n"),
              HasSubstr("webauthn.user_verification: expected \"preferred\", \"required\" or \"discouraged\""));
  EXPECT_THAT(load_error("[webauthn]\nrp_id = \"Example.COM\"\n"), HasSubstr("webauthn.rp_id: must be empty"));
  EXPECT_THAT(load_error("[webauthn]\norigins = [\"https://a.example.com/path\"]\n"), HasSubstr("webauthn.origins"));
  EXPECT_THAT(load_error("[webauthn]\norigins = [\"ftp://a.example.com\"]\n"), HasSubstr("webauthn.origins"));
  EXPECT_THAT(load_error("[webauthn]\nchallenge_ttl = \"2h\"\n"), HasSubstr("webauthn.challenge_ttl"));
  EXPECT_THAT(load_error("[cas]\nticket_ttl = \"10m\"\n"), HasSubstr("cas.ticket_ttl"));
  EXPECT_THAT(load_error("[cas]\nproxy_callback_addresses = [\"nope\"]\n"), HasSubstr("cas.proxy_callback_addresses"));
  EXPECT_THAT(load_error("[server]\npublic_url = \"https://id.example.com\"\n[webauthn]\nrp_id = \"other.com\"\n"),
              HasSubstr("webauthn.rp_id: \"other.com\" is not the host of the origin \"https://id.example.com\""));
  EXPECT_THAT(load_error("[server]\npublic_url = \"https://id.example.com\"\n[webauthn]\nrp_id = \"ample.com\"\n"),
              HasSubstr("webauthn.rp_id"));
}

TEST(ConfigTls, CertificateAndKeyGoTogether) {
  EXPECT_THAT(load_error("[server]\ntls_cert_file = \"/etc/tls.crt\"\n"),
              HasSubstr("server.tls_cert_file: server.tls_cert_file and server.tls_key_file go together"));
  EXPECT_THAT(env_error({{"GATEHOUSE_SERVER_TLS_KEY_FILE", "/etc/tls.key"}}),
              HasSubstr("server.tls_key_file (from GATEHOUSE_SERVER_TLS_KEY_FILE): server.tls_cert_file and"));
  auto both = load_ok("[server]\ntls_cert_file = \"/etc/tls.crt\"\ntls_key_file = \"/etc/tls.key\"\n");
  EXPECT_EQ(both.server.tls_key_file, "/etc/tls.key");
}

// ---------------------------------------------------------------------------------------------
// [[identity_sources]] (issue 16)

constexpr const char* kDirectory = R"toml(
[[identity_sources]]
name = "corp"
urls = ["ldaps://dc1.example.test", "LDAPS://dc2.example.test:3269/"]
ca_file = "/dev/null"
bind_dn = "cn=gatehouse,ou=services,dc=example,dc=test"
bind_password = "service-secret"
user_base = "ou=people,dc=example,dc=test"
)toml";

TEST(ConfigIdentitySources, AnEntryGetsItsTypesDefaultsAndRendersBackWithoutItsPassword) {
  TempToml file(std::string(kDirectory) + R"toml(
[[identity_sources]]
name = "ad"
type = "active_directory"
urls = ["ldap://dc.corp.test"]
start_tls = true
dn_template = "{user}@corp.test"
groups = "none"
[identity_sources.attributes]
email = "userPrincipalName"
)toml");
  auto c = load(file.path(), {});
  ASSERT_TRUE(c) << c.error();
  ASSERT_EQ(c->identity_sources.size(), 2u);
  const auto& ldap = c->identity_sources[0];
  EXPECT_EQ(ldap.urls, (std::vector<std::string>{"ldaps://dc1.example.test", "ldaps://dc2.example.test:3269"}));
  EXPECT_EQ(ldap.user_filter, "(uid={user})");
  EXPECT_EQ(ldap.id_attribute, "entryUUID");
  EXPECT_EQ(ldap.groups, "search");
  EXPECT_EQ(ldap.attributes.at("email"), "mail");
  EXPECT_EQ(ldap.bind_password.reveal(), "service-secret");
  const auto& ad = c->identity_sources[1];
  EXPECT_EQ(ad.id_attribute, "objectGUID");
  EXPECT_EQ(ad.username_attribute, "sAMAccountName");
  EXPECT_THAT(ad.user_filter, HasSubstr("(userPrincipalName={user})"));
  EXPECT_EQ(ad.attributes, (std::map<std::string, std::string>{{"email", "userPrincipalName"}})) << "a table given replaces the defaults";

  const auto text = render(*c);
  EXPECT_THAT(text, Not(HasSubstr("service-secret")));
  EXPECT_THAT(text, HasSubstr("# bind_password = \"<redacted>\""));
  TempToml again(text);
  auto reloaded = load(again.path(), {{"GATEHOUSE_IDENTITY_SOURCES_CORP_BIND_PASSWORD", "service-secret"}});
  ASSERT_TRUE(reloaded) << reloaded.error();
  const auto body = [](const std::string& t) { return t.substr(t.find("[server]")); };
  EXPECT_EQ(body(render(*reloaded)), body(text));
  EXPECT_EQ(render_cluster_wide(*reloaded).find("bind_password_file ="), std::string::npos) << "a path on the node's disk";
}

TEST(ConfigIdentitySources, ThePasswordComesFromAFileOrTheEnvironment) {
  TempToml secret("from-the-file\n");
  std::string toml(kDirectory);
  const std::string inline_password = "bind_password = \"service-secret\"";
  toml.replace(toml.find(inline_password), inline_password.size(), "bind_password_file = \"" + secret.path() + "\"");
  TempToml file(toml);
  auto c = load(file.path(), {});
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->identity_sources[0].bind_password.reveal(), "from-the-file") << "without its line break";
  auto env = load(file.path(), {{"GATEHOUSE_IDENTITY_SOURCES_CORP_BIND_PASSWORD", "from-the-env"}});
  ASSERT_TRUE(env) << env.error();
  EXPECT_EQ(env->identity_sources[0].bind_password.reveal(), "from-the-env") << "bind_password wins over the file";
  EXPECT_THAT(load_error(kDirectory, {{"GATEHOUSE_IDENTITY_SOURCES_OTHER_BIND_PASSWORD", "x"}}),
              HasSubstr("GATEHOUSE_IDENTITY_SOURCES_OTHER_BIND_PASSWORD: only GATEHOUSE_IDENTITY_SOURCES_<NAME>_BIND_PASSWORD may be set, for a source of the file (it has corp)"));
  EXPECT_THAT(load_error(kDirectory, {{"GATEHOUSE_IDENTITY_SOURCES_CORP_URLS", "ldap://x"}}), HasSubstr("only GATEHOUSE_IDENTITY_SOURCES_<NAME>_BIND_PASSWORD"));
  std::string missing(toml);
  missing.replace(missing.find(secret.path()), secret.path().size(), "/nonexistent/secret");
  EXPECT_THAT(load_error(missing), HasSubstr("identity_sources[1].bind_password_file \"/nonexistent/secret\" cannot be read"));
}

TEST(ConfigIdentitySources, EveryMistakeIsNamedWithItsEntry) {
  const auto err = load_error(R"toml(
[[identity_sources]]
name = "Corp!"
type = "novell"
urls = ["http://dc1"]
colour = "blue"
[identity_sources.attributes]
shoe_size = "x"
[[identity_sources]]
name = "two"
urls = ["ldap://dc1", "ldaps://dc2"]
start_tls = true
bind_dn = "cn=svc"
dn_template = "uid=x"
user_filter = "(uid={user})(x=y)"
groups = "search"
[[identity_sources]]
name = "two"
urls = ["ldaps://dc1:70000"]
)toml");
  EXPECT_THAT(err, HasSubstr("identity_sources[1].name: must be 1 to 32 characters of a-z, 0-9"));
  EXPECT_THAT(err, HasSubstr("identity_sources[1].type: must be \"ldap\" or \"active_directory\", got \"novell\""));
  EXPECT_THAT(err, HasSubstr("identity_sources[1].urls: expected ldap://host[:port] or ldaps://host[:port], got \"http://dc1\""));
  EXPECT_THAT(err, HasSubstr("identity_sources[1].colour: unknown key; [[identity_sources]] has: name, type, urls"));
  EXPECT_THAT(err, HasSubstr("identity_sources[1].attributes.shoe_size: is not a claim"));
  EXPECT_THAT(err, HasSubstr("identity_sources[2].user_filter: has unbalanced parentheses (or two filters side by side)"));
  EXPECT_THAT(err, HasSubstr("identity_sources[3].urls: the port of \"ldaps://dc1:70000\" must be 1 to 65535"));

  const auto across = load_error(R"toml(
[[identity_sources]]
name = "two"
urls = ["ldap://dc1", "ldaps://dc2"]
start_tls = true
bind_dn = "cn=svc"
dn_template = "uid={user}"
groups = "search"
[[identity_sources]]
name = "two"
urls = ["ldap://dc3"]
bind_dn = "cn=svc"
bind_password = "x"
user_base = "dc=x"
groups = "none"
)toml");
  EXPECT_THAT(load_error("[[identity_sources]]\nname = \"x\"\nurls = [\"ldaps://dc\"]\nstart_tls = true\n"),
              HasSubstr("identity_sources[1].start_tls: every URL is ldaps:// (TLS already)"));
  EXPECT_THAT(across, HasSubstr("identity_sources[1].bind_dn / dn_template: set exactly one"));
  EXPECT_THAT(across, HasSubstr("identity_sources[1].bind_password: the service account bind_dn needs bind_password_file"));
  EXPECT_THAT(across, HasSubstr("identity_sources[1].user_base: is required with bind_dn"));
  EXPECT_THAT(across, HasSubstr("identity_sources[1].group_base: is required with groups = \"search\""));
  EXPECT_THAT(across, HasSubstr("identity_sources[2].urls: \"ldap://dc3\" would send passwords in clear"));
  EXPECT_THAT(across, HasSubstr("identity_sources[2].name: \"two\" is the name of an earlier source too"));
  EXPECT_THAT(load_error("identity_sources = 3\n"), HasSubstr("identity_sources: expected [[identity_sources]] tables, got an integer"));
  EXPECT_THAT(load_error("[[identity_sources]]\nname = \"local\"\n"), HasSubstr("\"local\" names the built-in accounts"));
}

TEST(ConfigIdentitySources, NoneByDefault) {
  EXPECT_TRUE(Config{}.identity_sources.empty());
  EXPECT_THAT(render(Config{}), Not(HasSubstr("identity_sources")));
}

}  // namespace
}  // namespace gatehouse::app::config
