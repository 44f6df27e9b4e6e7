// gatehouse-flowgen: the load generator bench/run uses for the browser flows. wrk cannot carry
// state from one request to the next (cookies, the login form's tx and csrf, the code, the rotated
// refresh token), so this drives C virtual users, each on its own keep-alive connection, as
// coroutines on one io_context thread.
//
//   gatehouse-flowgen argon2   --memory-kib M --iterations T --parallelism P --threads N --seconds S
//   gatehouse-flowgen password --url BASE --client-id ID --client-secret S --redirect-uri URI
//                              (--username U | --accounts FILE) --password P --concurrency C
//                              --seconds S [--warmup W]
//   gatehouse-flowgen sso      (the options of password)
//   gatehouse-flowgen refresh  (the options of password)
//   gatehouse-flowgen totp     (the options of password but --username) --accounts FILE
//   gatehouse-flowgen passkey  (the options of password but --username) --accounts FILE
//   gatehouse-flowgen cas      --url BASE --service URL --username U --password P --concurrency C
//                              --seconds S [--warmup W]
//   gatehouse-flowgen saml     --url BASE --sp-entity-id ID --acs-url URL --username U --password P
//                              --concurrency C --seconds S [--warmup W]
//   gatehouse-flowgen ldap-binds --url ldap://HOST:PORT (--dn-pattern DN --users K | --users-file FILE)
//                              --password P --concurrency C --seconds S [--warmup W]
//
// password: authorize (login form) -> login POST (302 with code) -> token, no SSO cookie sent; as
//           --username, or with --accounts FILE ("username" lines) as each account in turn (every
//           flow takes the next one: a directory's users, bench/run's directory section).
// sso:      one password flow per user for its gh_session cookie, then authorize (302 with code at
//           once) -> token.
// refresh:  one password flow per user with offline_access, then refresh_token grants, each answer's
//           refresh token replacing the one sent (rotation).
// totp:     authorize (login form) -> login POST (200, the second-factor page) -> factor POST with
//           the TOTP code flowgen computes (302 with code) -> token, for accounts of FILE ("username
//           base32-seed" lines, all with --password), each lent to one user at a time: see
//           mfa_accounts.hpp for which code each account uses when, and how many accounts a rate needs.
// passkey:  set-up per virtual user i (account i of FILE, so FILE needs C accounts): a password
//           flow, then /account registers a generated ES256 passkey (POST /account/passkeys/options,
//           POST /account/passkeys); measured: authorize (login form) -> POST
//           /oauth2/login/passkey/options (allowCredentials []) -> POST /oauth2/login/passkey with
//           the assertion (user verified, counter +1 each time, userHandle; 302 with code) -> token.
// cas:      one CAS sign-in per user for its gh_session cookie (GET /cas/login?service=URL: the
//           hosted form; its POST: 302 back to the service with a ticket), then GET /cas/login with
//           the session (302 with ticket=ST-... at once, no form) -> GET /cas/serviceValidate with
//           that ticket (200 with <cas:authenticationSuccess> naming the user). URL must match a CAS
//           service registration (cas_services); it is never contacted.
// saml:     one SAML sign-in per user for its gh_session cookie (GET /saml/sso with an AuthnRequest:
//           the hosted form; its POST: 200 with the HTTP-POST binding's form), then GET /saml/sso
//           with a fresh AuthnRequest (HTTP-Redirect binding, unsigned, new ID, current
//           IssueInstant; saml_messages.hpp) and the session: 200 with the form carrying a signed
//           SAMLResponse for the request, checked by looking (the signature is not verified). ID
//           must be a registered SP's entityID and URL an HTTP-POST consumer of its metadata (never
//           contacted); BASE must be the node's public_url (it makes the Destination).
// ldap-binds: no node; C threads with one LDAP connection each bind as the users in turn (the DNs
//           of the pattern, its "%d" replaced by 0..K-1, or of FILE, one a line) with P: the
//           directory's own rate, the baseline of directory sign-ins (ldap_binds.hpp).
//
// A flow counts when it completes inside the measured window (after the warm-up); the rate is
// flows / window. The last line on stdout is machine-readable ("result mode=... rate=..."),
// progress goes to stderr. Exit status: 0 no errors, 1 the run finished with errors (the first is
// printed with its status and body), 2 bad usage or a virtual user's first flow failed.

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <argon2.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "core/base64url.hpp"
#include "http/router.hpp"
#include "ldap_binds.hpp"
#include "report.hpp"
#include "mfa_accounts.hpp"
#include "saml_messages.hpp"

namespace gatehouse::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

constexpr std::string_view kSessionCookie = "gh_session";
constexpr std::string_view kFactorPath = "/oauth2/login/factor";
constexpr std::string_view kSamlSsoPath = "/saml/sso";
constexpr std::string_view kSamlRelayState = "flowgen";  // sent with every AuthnRequest, checked in the answer
constexpr std::chrono::seconds kRequestTimeout{30};
constexpr std::chrono::milliseconds kPauseAfterError{10};  // a dead server must not make a busy loop
constexpr std::size_t kMaxBodyBytes = 1 << 20;
constexpr std::size_t kMaxShownBody = 2000;

// --- command line --------------------------------------------------------------------------------

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The run cannot go on (not an error of one flow): stops every virtual user.
struct FatalError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  Args(int argc, char** argv, std::initializer_list<std::string_view> known) {
    for (int i = 2; i < argc; i += 2) {
      std::string_view name = argv[i];
      if (!name.starts_with("--") || std::find(known.begin(), known.end(), name.substr(2)) == known.end())
        throw UsageError("unknown option '" + std::string(name) + "'");
      if (i + 1 >= argc) throw UsageError("option '" + std::string(name) + "' needs a value");
      values_[std::string(name.substr(2))] = argv[i + 1];
    }
  }
  bool has(const std::string& name) const { return values_.contains(name); }
  std::string text(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end() || it->second.empty()) throw UsageError("--" + name + " is required");
    return it->second;
  }
  double number(const std::string& name, double min, double max, std::optional<double> fallback = {}) const {
    return parse(name, min, max, fallback, false);
  }
  long whole(const std::string& name, long min, long max) const {
    return static_cast<long>(parse(name, static_cast<double>(min), static_cast<double>(max), std::nullopt, true));
  }

 private:
  double parse(const std::string& name, double min, double max, std::optional<double> fallback, bool whole) const {
    if (fallback && !values_.contains(name)) return *fallback;
    const auto s = text(name);
    std::size_t used = 0;
    double v = 0;
    try {
      v = std::stod(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != s.size() || !(v >= min && v <= max) || (whole && v != std::floor(v))) {
      char range[64];
      std::snprintf(range, sizeof range, "%g..%g", min, max);
      throw UsageError("--" + name + " must be a " + (whole ? "whole number" : "number") + " in " + range + ", got '" +
                       s + "'");
    }
    return v;
  }

  std::map<std::string, std::string> values_;
};

// --- small codecs ----------------------------------------------------------------------------------

/// RFC 3986 unreserved characters stay, everything else is %XX (also right for form bodies).
std::string url_encode(std::string_view s) { return gatehouse::http::percent_encode(s); }

std::string url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}


std::string random_b64url(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1)
    throw std::runtime_error("RAND_bytes failed");
  return base64url_encode(raw);
}

std::string sha256(std::string_view data) {
  std::string md(32, '\0');
  unsigned int len = 0;
  auto* out = reinterpret_cast<unsigned char*>(md.data());
  if (EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("EVP_Digest(sha256) failed");
  return md;
}

/// name -> value of a query string (the part after '?'), decoded.
std::map<std::string, std::string> parse_query(std::string_view q) {
  std::map<std::string, std::string> out;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    auto eq = pair.find('=');
    out[url_decode(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : url_decode(pair.substr(eq + 1));
  }
  return out;
}

/// The value attribute of the <input> named `name`, unescaped.
std::optional<std::string> input_value(std::string_view html, std::string_view name) {
  const auto pos = html.find("name=\"" + std::string(name) + "\"");
  if (pos == std::string_view::npos) return std::nullopt;
  const auto start = html.rfind('<', pos);
  const auto end = html.find('>', pos);
  if (start == std::string_view::npos || end == std::string_view::npos) return std::nullopt;
  const auto tag = html.substr(start, end - start);
  const auto v = tag.find("value=\"");
  if (v == std::string_view::npos) return std::nullopt;
  const auto close = tag.find('"', v + 7);
  if (close == std::string_view::npos) return std::nullopt;
  return html_unescape(tag.substr(v + 7, close - v - 7));
}

// --- errors ------------------------------------------------------------------------------------------

/// A flow step got something other than what the flow expects (status 0: no answer at all).
struct FlowError : std::runtime_error {
  FlowError(const std::string& step, int status_, std::string body_, const std::string& problem)
      : std::runtime_error(step + ": " + problem), status(status_), body(std::move(body_)) {}
  int status;
  std::string body;
  std::string describe() const {
    std::string s = what();
    if (status != 0) s += "; the answer: HTTP " + std::to_string(status);
    if (!body.empty()) s += "\n  body: " + (body.size() > kMaxShownBody ? body.substr(0, kMaxShownBody) + "..." : body);
    return s;
  }
};

void expect_status(const Response& res, int status, const std::string& step) {
  if (res.result_int() != static_cast<unsigned>(status)) {
    std::string problem = "expected HTTP " + std::to_string(status);
    if (auto loc = res.find(http::field::location); loc != res.end())
      problem += " (Location: " + std::string(loc->value()) + ")";
    throw FlowError(step, res.result_int(), res.body(), problem);
  }
}

// --- the run's shared state ----------------------------------------------------------------------------

enum class Mode { kPassword, kSso, kRefresh, kTotp, kPasskey, kCas, kSaml };

struct Target {
  std::string host_header;  // host:port
  std::string prefix;       // path of --url without the trailing '/'
  tcp::endpoint endpoint;
};

struct FlowOptions {
  Mode mode = Mode::kPassword;
  std::string mode_name;
  Target target;
  std::string client_id;
  std::string basic_auth;  // "Basic base64(urlencode(id):urlencode(secret))", RFC 6749 §2.3.1
  std::string redirect_uri;
  std::string service;   // cas: the service URL tickets are asked for
  SamlSp saml;           // saml: the service provider the requests come from
  std::string username;  // password, sso, refresh, cas, saml
  std::string password;
  std::vector<BenchAccount> accounts;  // totp, passkey: --accounts; password: --accounts instead of --username
  std::string origin;                  // passkey: what the browser would put in clientDataJSON
  int concurrency = 1;
  double seconds = 10;
  double warmup = 0;
};

struct Run {
  Run(const FlowOptions& o, asio::io_context& ctx) : opt(o), io(ctx), start_signal(ctx), progress_timer(ctx) {
    start_signal.expires_at(Clock::time_point::max());
    active = waiting = o.concurrency;
  }
  const FlowOptions& opt;
  asio::io_context& io;
  asio::steady_timer start_signal;    // cancelled when every user is set up: the clock starts
  asio::steady_timer progress_timer;  // cancelled when the last user is done
  int waiting = 0;                    // users not set up yet
  int active = 0;                     // users still running
  bool started = false;
  Clock::time_point measure_start = Clock::time_point::max();
  Clock::time_point measure_end = Clock::time_point::max();
  std::uint64_t flows = 0, warmup_flows = 0, errors = 0, reconnects = 0;
  std::vector<double> latencies_ms;
  std::array<double, 4> step_ms{};  // sums over the measured flows
  std::optional<TotpPool> totp;     // totp: the accounts and the codes they used
  std::size_t next_account = 0;     // password with --accounts: the account of the next flow
  std::string first_error;
  std::string fatal;

  void fail(const std::string& message) {
    if (fatal.empty()) fatal = message;
    io.stop();
  }
  void count_error(const FlowError& e) {
    ++errors;
    if (first_error.empty()) {
      first_error = e.describe();
      std::fprintf(stderr, "[flowgen] first error (the run goes on): %s\n", first_error.c_str());
    }
  }
};

// --- one keep-alive connection -------------------------------------------------------------------------

class Connection {
 public:
  explicit Connection(Run& run) : run_(run) {}

  /// Sends `req` and reads the answer; reconnects when there is no connection, and once more when a
  /// reused connection turns out to have been closed by the server.
  /// @throws FlowError (status 0) on a network error or timeout.
  asio::awaitable<Response> send(Request& req, const std::string& step) {
    for (int attempt = 0;; ++attempt) {
      const bool reused = stream_.has_value();
      try {
        if (!stream_) co_await connect();
        stream_->expires_after(kRequestTimeout);
        co_await http::async_write(*stream_, req, asio::use_awaitable);
        http::response_parser<http::string_body> parser;
        parser.body_limit(kMaxBodyBytes);
        co_await http::async_read(*stream_, buffer_, parser, asio::use_awaitable);
        Response res = parser.release();
        if (!res.keep_alive()) close();
        co_return res;
      } catch (const boost::system::system_error& e) {
        close();
        const auto ec = e.code();
        const bool closed_by_peer = ec == http::error::end_of_stream || ec == asio::error::eof ||
                                    ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
        if (!(reused && attempt == 0 && closed_by_peer)) throw FlowError(step, 0, "", "network error: " + ec.message());
      }
    }
  }

 private:
  asio::awaitable<void> connect() {
    stream_.emplace(co_await asio::this_coro::executor);
    stream_->expires_after(kRequestTimeout);
    co_await stream_->async_connect(run_.opt.target.endpoint, asio::use_awaitable);
    stream_->socket().set_option(tcp::no_delay(true));
    buffer_.clear();
    if (connected_once_) ++run_.reconnects;
    connected_once_ = true;
  }
  void close() {
    if (!stream_) return;
    boost::system::error_code ignored;
    stream_->socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_->close();
    stream_.reset();
  }

  Run& run_;
  std::optional<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  bool connected_once_ = false;
};

// --- one browser ---------------------------------------------------------------------------------------

/// The request-side state of one authorization request.
struct Pending {
  std::string verifier = random_b64url(32);  // 43 characters (RFC 7636 §4.1)
  std::string challenge = base64url_encode(sha256(verifier));
  std::string state = random_b64url(16);
  std::string nonce = random_b64url(16);
};

/// One virtual user: a browser (cookies) and the application behind the redirect URI.
class VirtualUser {
 public:
  VirtualUser(Run& run, std::size_t index) : run_(run), opt_(run.opt), conn_(run), index_(index) {}

  /// Runs until the measured window ends; counts into run_. run_.active and run_.waiting start at
  /// the number of users.
  asio::awaitable<void> run() {
    // Set-up before the clock starts; a failure here means the bench is misconfigured.
    try {
      if (needs_set_up(opt_.mode)) co_await set_up();
    } catch (const FlowError& e) {
      run_.fail(std::string(opt_.mode == Mode::kPasskey ? "set-up (password flow, then the passkey registration on /account)"
                            : opt_.mode == Mode::kRefresh ? "set-up flow (password flow with offline_access)"
                            : opt_.mode == Mode::kCas     ? "set-up (CAS sign-in: /cas/login, the hosted form's POST)"
                            : opt_.mode == Mode::kSaml    ? "set-up (SAML sign-in: /saml/sso, the hosted form's POST)"
                                                          : "set-up flow (password flow)") +
                " failed: " + e.describe());
      co_return;
    }
    if (--run_.waiting == 0) {
      run_.started = true;
      run_.measure_start = Clock::now() + to_duration(opt_.warmup);
      run_.measure_end = run_.measure_start + to_duration(opt_.seconds);
      run_.start_signal.cancel();
    } else {
      boost::system::error_code ec;
      co_await run_.start_signal.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    bool succeeded_once = false;
    bool need_set_up = false;
    while (Clock::now() < run_.measure_end && run_.fatal.empty()) {
      std::array<double, 4> steps{};
      bool failed = false;
      const auto t0 = Clock::now();
      try {
        if (need_set_up) {
          co_await set_up();
          need_set_up = false;
          continue;
        }
        switch (opt_.mode) {
          case Mode::kPassword: co_await password_flow("openid", password_username(), steps); break;
          case Mode::kSso: co_await sso_flow(steps); break;
          case Mode::kRefresh: co_await refresh_once(); break;
          case Mode::kTotp: co_await totp_flow(steps); break;
          case Mode::kPasskey: co_await passkey_flow(steps); break;
          case Mode::kCas: co_await cas_flow(steps); break;
          case Mode::kSaml: co_await saml_flow(steps); break;
        }
      } catch (const FatalError& e) {
        run_.fail(e.what());
        co_return;
      } catch (const FlowError& e) {
        if (!succeeded_once) {
          run_.fail("the first flow of a virtual user failed: " + e.describe());
          co_return;
        }
        run_.count_error(e);
        // The session or the token chain may be gone; a registered passkey stays.
        need_set_up = opt_.mode == Mode::kSso || opt_.mode == Mode::kRefresh || opt_.mode == Mode::kCas ||
                      opt_.mode == Mode::kSaml;
        failed = true;
      }
      if (failed) {  // co_await is not allowed inside a handler
        asio::steady_timer timer(co_await asio::this_coro::executor, kPauseAfterError);
        co_await timer.async_wait(asio::use_awaitable);
        continue;
      }
      succeeded_once = true;
      const auto t1 = Clock::now();
      if (t1 < run_.measure_start) {
        ++run_.warmup_flows;
      } else if (t1 <= run_.measure_end) {
        ++run_.flows;
        run_.latencies_ms.push_back(ms(t1 - t0));
        for (std::size_t i = 0; i < steps.size(); ++i) run_.step_ms[i] += steps[i];
      }
    }
    if (--run_.active == 0) run_.progress_timer.cancel();
  }

 private:
  static Clock::duration to_duration(double seconds) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  }
  static double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
  static bool needs_set_up(Mode m) {
    return m == Mode::kSso || m == Mode::kRefresh || m == Mode::kPasskey || m == Mode::kCas || m == Mode::kSaml;
  }
  static std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  }

  /// password: --username, or the next of --accounts (shared by the users: one thread).
  const std::string& password_username() {
    if (opt_.accounts.empty()) return opt_.username;
    return opt_.accounts[run_.next_account++ % opt_.accounts.size()].username;
  }

  /// sso: a session cookie; refresh: a refresh token. Both come from one password flow. passkey:
  /// a registered passkey (set_up_passkey). cas, saml: a session cookie from a CAS or SAML sign-in.
  asio::awaitable<void> set_up() {
    std::array<double, 4> ignored{};
    if (opt_.mode == Mode::kPasskey) {
      co_await set_up_passkey();
    } else if (opt_.mode == Mode::kCas) {
      co_await cas_sign_in();
    } else if (opt_.mode == Mode::kSaml) {
      co_await saml_sign_in();
    } else if (opt_.mode == Mode::kSso) {
      cookies_.erase(std::string(kSessionCookie));
      co_await password_flow("openid", opt_.username, ignored);
      if (!cookies_.contains(std::string(kSessionCookie)))
        throw FlowError("login", 302, "", "the login answer set no " + std::string(kSessionCookie) + " cookie");
    } else {
      auto tokens = co_await password_flow("openid offline_access", opt_.username, ignored);
      refresh_token_ = json::value_to<std::string>(tokens.at("refresh_token"));
    }
  }

  Request make_request(http::verb verb, std::string_view path) const {
    Request req{verb, opt_.target.prefix + std::string(path), 11};
    req.set(http::field::host, opt_.target.host_header);
    req.set(http::field::user_agent, "gatehouse-flowgen");
    req.keep_alive(true);
    return req;
  }
  /// A form POST with our cookies (the SSO session one only when asked for).
  asio::awaitable<Response> post_form(std::string_view path, std::string body, const std::string& step,
                                      bool with_session = false) {
    auto req = make_request(http::verb::post, path);
    if (auto c = cookie_header(with_session); !c.empty()) req.set(http::field::cookie, c);
    set_form(req, std::move(body));
    auto res = co_await conn_.send(req, step);
    take_cookies(res);
    co_return res;
  }
  static std::string tx_form(const std::string& tx, const std::string& csrf) {
    return "tx=" + url_encode(tx) + "&csrf=" + url_encode(csrf);
  }
  static void set_form(Request& req, std::string body) {
    req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.body() = std::move(body);
    req.prepare_payload();
  }

  /// The Cookie header: every cookie we hold, the SSO session one only when asked for.
  std::string cookie_header(bool with_session) const {
    std::string h;
    for (const auto& [name, value] : cookies_) {
      if (!with_session && name == kSessionCookie) continue;
      if (!h.empty()) h += "; ";
      h += name + "=" + value;
    }
    return h;
  }
  void take_cookies(const Response& res) {
    const auto [first, last] = res.equal_range(http::field::set_cookie);
    for (auto it = first; it != last; ++it) {
      std::string_view v = it->value();
      const auto pair = v.substr(0, v.find(';'));
      const auto eq = pair.find('=');
      if (eq == std::string_view::npos) continue;
      std::string name(pair.substr(0, eq)), value(pair.substr(eq + 1));
      if (value.empty() || v.find("Max-Age=0") != std::string_view::npos)
        cookies_.erase(name);
      else
        cookies_[name] = value;
    }
  }

  asio::awaitable<Response> get_authorize(const Pending& p, std::string_view scope, bool with_session) {
    auto req = make_request(http::verb::get,
                            "/oauth2/authorize?response_type=code&client_id=" + url_encode(opt_.client_id) +
                                "&redirect_uri=" + url_encode(opt_.redirect_uri) + "&scope=" + url_encode(scope) +
                                "&state=" + url_encode(p.state) + "&nonce=" + url_encode(p.nonce) +
                                "&code_challenge=" + url_encode(p.challenge) + "&code_challenge_method=S256");
    if (auto c = cookie_header(with_session); !c.empty()) req.set(http::field::cookie, c);
    auto res = co_await conn_.send(req, "authorize");
    take_cookies(res);
    co_return res;
  }

  /// The code from a 302 to the redirect URI, after checking state (and that it is no error).
  std::string code_from_redirect(const Response& res, const Pending& p, const std::string& step) const {
    expect_status(res, 302, step);
    const std::string location(res[http::field::location]);
    if (!location.starts_with(opt_.redirect_uri + "?"))
      throw FlowError(step, 302, "", "redirected to " + location + ", not to the redirect URI");
    auto q = parse_query(std::string_view(location).substr(opt_.redirect_uri.size() + 1));
    if (q.contains("error"))
      throw FlowError(step, 302, "", "error answer: " + q["error"] + ": " + q["error_description"]);
    if (q["state"] != p.state) throw FlowError(step, 302, "", "state mismatch in " + location);
    if (q["code"].empty()) throw FlowError(step, 302, "", "no code in " + location);
    return q["code"];
  }

  asio::awaitable<json::object> token_request(std::string body, const std::string& step, bool want_id_token,
                                              bool want_refresh) {
    auto req = make_request(http::verb::post, "/oauth2/token");
    req.set(http::field::authorization, opt_.basic_auth);
    set_form(req, std::move(body));
    auto res = co_await conn_.send(req, step);
    expect_status(res, 200, step);
    boost::system::error_code ec;
    auto doc = json::parse(res.body(), ec);
    if (ec || !doc.is_object()) throw FlowError(step, 200, res.body(), "the answer is not a JSON object");
    auto& o = doc.as_object();
    auto has = [&o](std::string_view k) {
      return o.contains(k) && o.at(k).is_string() && !o.at(k).as_string().empty();
    };
    if (!has("access_token")) throw FlowError(step, 200, res.body(), "no access_token");
    if (want_id_token && !has("id_token")) throw FlowError(step, 200, res.body(), "no id_token");
    if (want_refresh && !has("refresh_token")) throw FlowError(step, 200, res.body(), "no refresh_token");
    co_return std::move(o);
  }

  asio::awaitable<json::object> exchange_code(const std::string& code, const Pending& p, bool want_refresh) {
    co_return co_await token_request("grant_type=authorization_code&code=" + url_encode(code) + "&redirect_uri=" +
                                         url_encode(opt_.redirect_uri) + "&code_verifier=" + url_encode(p.verifier),
                                     "token (authorization_code)", true, want_refresh);
  }

  /// The tx and csrf inputs of a sign-in page (the login form, the second-factor page).
  static std::pair<std::string, std::string> form_fields(const Response& page, const std::string& step) {
    const auto tx = input_value(page.body(), "tx");
    const auto csrf = input_value(page.body(), "csrf");
    if (!tx || !csrf) throw FlowError(step, page.result_int(), page.body(), "no tx or csrf input in the form");
    return {*tx, *csrf};
  }

  /// GET authorize without the session cookie: the login form's tx and csrf.
  asio::awaitable<std::pair<std::string, std::string>> login_form(const Pending& p, std::string_view scope) {
    auto page = co_await get_authorize(p, scope, false);
    expect_status(page, 200, "authorize (login form)");
    co_return form_fields(page, "authorize (login form)");
  }

  /// The login form's POST with `username` and --password.
  asio::awaitable<Response> post_login(const std::pair<std::string, std::string>& form, const std::string& username) {
    co_return co_await post_form("/oauth2/login",
                                 tx_form(form.first, form.second) + "&username=" + url_encode(username) +
                                     "&password=" + url_encode(opt_.password),
                                 "login");
  }

  /// authorize (login form) -> login POST -> token; steps[0..2] get each step's milliseconds.
  asio::awaitable<json::object> password_flow(std::string_view scope, const std::string& username,
                                              std::array<double, 4>& steps) {
    Pending p;
    auto t0 = Clock::now();
    const auto form = co_await login_form(p, scope);
    auto t1 = Clock::now();
    auto res = co_await post_login(form, username);
    const auto code = code_from_redirect(res, p, "login");
    auto t2 = Clock::now();
    auto tokens = co_await exchange_code(code, p, scope.find("offline_access") != std::string_view::npos);
    auto t3 = Clock::now();
    steps = {ms(t1 - t0), ms(t2 - t1), ms(t3 - t2), 0};
    co_return tokens;
  }

  /// authorize (login form) -> login POST (the second-factor page) -> factor POST with the TOTP
  /// code -> token, for an account lent by the pool; steps[0..3] get each step's milliseconds.
  asio::awaitable<void> totp_flow(std::array<double, 4>& steps) {
    auto& pool = *run_.totp;
    auto account = pool.acquire(unix_now());
    if (!account)
      throw FatalError("ran out of TOTP codes: every idle account of the " + std::to_string(pool.size()) +
                       " has used the codes it may use now (one per 30 s step, see mfa_accounts.hpp); give more "
                       "accounts (bench/run: TOTP_USERS)");
    const TotpLease lease(pool, *account);
    Pending p;
    auto t0 = Clock::now();
    const auto form = co_await login_form(p, "openid");
    auto t1 = Clock::now();
    auto page = co_await post_login(form, pool.username(lease.account()));
    expect_status(page, 200, "login (second-factor page)");
    if (page.body().find("name=\"method\" value=\"totp\"") == std::string::npos)
      throw FlowError("login (second-factor page)", 200, page.body(), "no TOTP code form on the page");
    const auto factor = form_fields(page, "login (second-factor page)");
    auto t2 = Clock::now();
    const auto code = pool.next_code(lease.account(), unix_now());
    auto res = co_await post_form(kFactorPath,
                                  tx_form(factor.first, factor.second) + "&method=totp&code=" + url_encode(code.reveal()),
                                  "factor (TOTP code)");
    if (res.result_int() == 400 && res.body().find("used already") != std::string::npos)
      throw FlowError("factor (TOTP code)", 400, "",
                      "the node says account " + pool.username(lease.account()) +
                          "'s code was used already: another run used these accounts' codes less than ~90 s ago "
                          "(wait, or give other accounts)");
    const auto auth_code = code_from_redirect(res, p, "factor (TOTP code)");
    auto t3 = Clock::now();
    auto tokens = co_await exchange_code(auth_code, p, false);
    if (!checked_amr_) check_amr(tokens, {"pwd", "otp", "mfa"});
    steps = {ms(t1 - t0), ms(t2 - t1), ms(t3 - t2), ms(Clock::now() - t3)};
  }

  /// A password flow (for the session cookie), then the registration of a generated ES256 passkey
  /// on /account, as a browser with a platform authenticator would do it.
  asio::awaitable<void> set_up_passkey() {
    const auto& account = opt_.accounts.at(index_);
    std::array<double, 4> ignored{};
    cookies_.clear();
    co_await password_flow("openid", account.username, ignored);
    auto req = make_request(http::verb::get, "/account");
    req.set(http::field::cookie, cookie_header(true));
    auto page = co_await conn_.send(req, "GET /account");
    take_cookies(page);
    expect_status(page, 200, "GET /account");
    const auto csrf = input_value(page.body(), "csrf");
    if (!csrf) throw FlowError("GET /account", 200, page.body(), "no csrf input on the account page");
    auto res = co_await post_form("/account/passkeys/options", "csrf=" + url_encode(*csrf), "passkey registration options",
                                  true);
    const auto options = json_answer(res, "passkey registration options");
    const auto challenge = string_at(options, {"challenge"}, res, "passkey registration options");
    const auto rp_id = string_at(options, {"rp", "id"}, res, "passkey registration options");
    user_handle_ = string_at(options, {"user", "id"}, res, "passkey registration options");
    credential_.emplace(webauthn::testing::SoftCredential::generate(webauthn::CoseAlgorithm::kES256));
    counter_ = 1;
    const auto reg = credential_->register_credential({opt_.origin, rp_id, challenge}, {}, counter_);
    res = co_await post_form("/account/passkeys",
                             "csrf=" + url_encode(*csrf) + "&name=" + url_encode("flowgen") +
                                 "&credential=" + url_encode(registration_json(*credential_, reg)),
                             "passkey registration", true);
    expect_status(res, 200, "passkey registration");
    cookies_.erase(std::string(kSessionCookie));  // the measured sign-ins start without a session
  }

  /// authorize (login form) -> passkey options -> passkey POST with the assertion -> token.
  asio::awaitable<void> passkey_flow(std::array<double, 4>& steps) {
    Pending p;
    auto t0 = Clock::now();
    const auto form = co_await login_form(p, "openid");
    auto t1 = Clock::now();
    auto res = co_await post_form("/oauth2/login/passkey/options", tx_form(form.first, form.second),
                                  "passkey sign-in options");
    const auto options = json_answer(res, "passkey sign-in options");
    const auto challenge = string_at(options, {"challenge"}, res, "passkey sign-in options");
    const auto rp_id = string_at(options, {"rpId"}, res, "passkey sign-in options");
    auto t2 = Clock::now();
    const auto assertion = credential_->assert_credential({opt_.origin, rp_id, challenge}, {}, ++counter_);
    res = co_await post_form("/oauth2/login/passkey",
                             tx_form(form.first, form.second) +
                                 "&credential=" + url_encode(assertion_json(*credential_, assertion, user_handle_)),
                             "passkey sign-in");
    const auto code = code_from_redirect(res, p, "passkey sign-in");
    auto t3 = Clock::now();
    auto tokens = co_await exchange_code(code, p, false);
    if (!checked_amr_) check_amr(tokens, {"hwk", "user", "mfa"});
    steps = {ms(t1 - t0), ms(t2 - t1), ms(t3 - t2), ms(Clock::now() - t3)};
  }

  /// A 200 application/json answer's object.
  static json::object json_answer(const Response& res, const std::string& step) {
    expect_status(res, 200, step);
    boost::system::error_code ec;
    auto doc = json::parse(res.body(), ec);
    if (ec || !doc.is_object()) throw FlowError(step, 200, res.body(), "the answer is not a JSON object");
    return std::move(doc.as_object());
  }
  /// The non-empty string at `path` (member names) in `o`.
  static std::string string_at(const json::object& o, std::initializer_list<std::string_view> path, const Response& res,
                               const std::string& step) {
    const json::value* v = nullptr;
    const json::object* in = &o;
    std::string name;
    for (auto key : path) {
      name += (name.empty() ? "" : ".") + std::string(key);
      v = in != nullptr ? in->if_contains(key) : nullptr;
      in = v != nullptr && v->is_object() ? &v->get_object() : nullptr;
    }
    if (v == nullptr || !v->is_string() || v->get_string().empty())
      throw FlowError(step, res.result_int(), res.body(), "no string member " + name);
    return std::string(v->get_string());
  }

  /// The first flow of each user checks the ID token's amr (RFC 8176) for the methods it used.
  void check_amr(const json::object& tokens, std::initializer_list<std::string_view> expected) {
    const auto id_token = json::value_to<std::string>(tokens.at("id_token"));
    const auto first = id_token.find('.');
    const auto second = id_token.find('.', first + 1);
    std::optional<std::string> payload;
    if (first != std::string::npos && second != std::string::npos)
      payload = base64url_decode(std::string_view(id_token).substr(first + 1, second - first - 1));
    boost::system::error_code ec;
    auto claims = payload ? json::parse(*payload, ec) : json::value();
    const auto* amr = claims.is_object() ? claims.as_object().if_contains("amr") : nullptr;
    std::string have = amr != nullptr ? json::serialize(*amr) : "none";
    for (auto method : expected)
      if (amr == nullptr || !amr->is_array() ||
          std::find(amr->as_array().begin(), amr->as_array().end(), json::value(method)) == amr->as_array().end())
        throw FlowError("token (authorization_code)", 200, "", "the ID token's amr " + have + " lacks \"" + std::string(method) + "\"");
    checked_amr_ = true;
  }

  /// authorize with the session cookie (302 with a code, no form) -> token.
  asio::awaitable<void> sso_flow(std::array<double, 4>& steps) {
    Pending p;
    auto t0 = Clock::now();
    auto res = co_await get_authorize(p, "openid", true);
    if (res.result_int() == 200)
      throw FlowError("authorize (SSO)", 200, "", "got the login form: the SSO session was not honoured");
    const auto code = code_from_redirect(res, p, "authorize (SSO)");
    auto t1 = Clock::now();
    co_await exchange_code(code, p, false);
    steps = {ms(t1 - t0), ms(Clock::now() - t1), 0, 0};
  }

  std::string cas_login_path() const { return "/cas/login?service=" + url_encode(opt_.service); }

  /// The ticket of a 302 from /cas/login back to the service (CAS 3.0 §2.1.1: the service URL
  /// with ticket=ST-... added to its query).
  std::string ticket_from_redirect(const Response& res, const std::string& step) const {
    expect_status(res, 302, step);
    const std::string location(res[http::field::location]);
    const std::string head = opt_.service + (opt_.service.find('?') == std::string::npos ? "?" : "&") + "ticket=";
    if (!location.starts_with(head))
      throw FlowError(step, 302, "", "redirected to " + location + ", not back to the service with a ticket");
    const auto rest = std::string_view(location).substr(head.size());
    auto ticket = url_decode(rest.substr(0, rest.find('&')));
    if (!ticket.starts_with("ST-")) throw FlowError(step, 302, "", "no service ticket (ST-...) in " + location);
    return ticket;
  }

  /// GET /cas/login (the hosted form) -> its POST (302 back to the service with a ticket, and the
  /// session cookie). The ticket is left unvalidated: it expires.
  asio::awaitable<void> cas_sign_in() {
    cookies_.clear();
    auto req = make_request(http::verb::get, cas_login_path());
    auto page = co_await conn_.send(req, "cas/login (login form)");
    take_cookies(page);
    expect_status(page, 200, "cas/login (login form)");
    auto res = co_await post_login(form_fields(page, "cas/login (login form)"), opt_.username);
    ticket_from_redirect(res, "login (CAS)");
    if (!cookies_.contains(std::string(kSessionCookie)))
      throw FlowError("login (CAS)", 302, "", "the login answer set no " + std::string(kSessionCookie) + " cookie");
  }

  /// /cas/login with the session cookie (302 with a ticket, no form) -> /cas/serviceValidate.
  asio::awaitable<void> cas_flow(std::array<double, 4>& steps) {
    auto t0 = Clock::now();
    auto req = make_request(http::verb::get, cas_login_path());
    req.set(http::field::cookie, cookie_header(true));
    auto res = co_await conn_.send(req, "cas/login (SSO)");
    take_cookies(res);
    if (res.result_int() == 200)
      throw FlowError("cas/login (SSO)", 200, "", "got the login form: the SSO session was not honoured");
    const auto ticket = ticket_from_redirect(res, "cas/login (SSO)");
    auto t1 = Clock::now();
    auto validate = make_request(http::verb::get, "/cas/serviceValidate?service=" + url_encode(opt_.service) +
                                                      "&ticket=" + url_encode(ticket));
    auto answer = co_await conn_.send(validate, "cas/serviceValidate");
    expect_status(answer, 200, "cas/serviceValidate");
    if (answer.body().find("<cas:authenticationSuccess>") == std::string::npos ||
        answer.body().find("<cas:user>" + opt_.username + "</cas:user>") == std::string::npos)
      throw FlowError("cas/serviceValidate", 200, answer.body(), "no <cas:authenticationSuccess> for " + opt_.username);
    steps = {ms(t1 - t0), ms(Clock::now() - t1), 0, 0};
  }

  /// A fresh AuthnRequest for GET /saml/sso (HTTP-Redirect binding); its ID goes to `id`.
  Request saml_request(std::string& id, bool with_session) const {
    id = new_saml_id();
    const auto query = redirect_query(authn_request_xml(opt_.saml, id, unix_now()), kSamlRelayState);
    auto req = make_request(http::verb::get, std::string(kSamlSsoPath) + "?" + query);
    if (auto c = cookie_header(with_session); !c.empty()) req.set(http::field::cookie, c);
    return req;
  }

  /// The 200 page with the HTTP-POST binding's form, checked for a signed Success answering `id`.
  void check_saml_answer(const Response& res, const std::string& id, const std::string& step) const {
    expect_status(res, 200, step);
    if (res.body().find("name=\"password\"") != std::string::npos)
      throw FlowError(step, 200, "", "got the login form: the SSO session was not honoured");
    if (auto ok = check_post_page(res.body(), opt_.saml.acs_url, id, kSamlRelayState); !ok)
      throw FlowError(step, 200, res.body(), ok.error());
  }

  /// GET /saml/sso (the hosted form) -> its POST (200, the form posting the SAMLResponse to the
  /// SP, and the session cookie).
  asio::awaitable<void> saml_sign_in() {
    cookies_.clear();
    std::string id;
    auto req = saml_request(id, false);
    auto page = co_await conn_.send(req, "saml/sso (login form)");
    take_cookies(page);
    expect_status(page, 200, "saml/sso (login form)");
    auto res = co_await post_login(form_fields(page, "saml/sso (login form)"), opt_.username);
    check_saml_answer(res, id, "login (SAML)");
    if (!cookies_.contains(std::string(kSessionCookie)))
      throw FlowError("login (SAML)", 200, "", "the login answer set no " + std::string(kSessionCookie) + " cookie");
  }

  /// GET /saml/sso with a fresh AuthnRequest and the session cookie: the signed answer at once.
  /// steps[0]: the round trip; steps[1]: flowgen's own work (building the request, checking the
  /// answer), part of the flow's latency but not of the node's.
  asio::awaitable<void> saml_flow(std::array<double, 4>& steps) {
    auto t0 = Clock::now();
    std::string id;
    auto req = saml_request(id, true);
    auto t1 = Clock::now();
    auto res = co_await conn_.send(req, "saml/sso (SSO)");
    auto t2 = Clock::now();
    take_cookies(res);
    check_saml_answer(res, id, "saml/sso (SSO)");
    steps = {ms(t2 - t1), ms(t1 - t0) + ms(Clock::now() - t2), 0, 0};
  }

  asio::awaitable<void> refresh_once() {
    auto tokens = co_await token_request("grant_type=refresh_token&refresh_token=" + url_encode(refresh_token_),
                                         "token (refresh_token)", false, true);
    auto next = json::value_to<std::string>(tokens.at("refresh_token"));
    if (next == refresh_token_) throw FlowError("token (refresh_token)", 200, "", "the refresh token was not rotated");
    refresh_token_ = std::move(next);
  }

  Run& run_;
  const FlowOptions& opt_;
  Connection conn_;
  std::map<std::string, std::string> cookies_;
  std::string refresh_token_;
  std::size_t index_;                                               // passkey: the account of FILE
  std::optional<webauthn::testing::SoftCredential> credential_;  // passkey
  std::string user_handle_;                                         // passkey: user.id of the options
  std::uint32_t counter_ = 0;                                       // passkey: the last signCount sent
  bool checked_amr_ = false;
};

// --- reporting ------------------------------------------------------------------------------------------

asio::awaitable<void> report_progress(Run& run) {
  std::uint64_t last_count = 0;
  auto last = Clock::now();
  while (run.active > 0) {
    run.progress_timer.expires_after(std::chrono::seconds(1));
    boost::system::error_code ec;
    co_await run.progress_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec || run.active == 0) co_return;
    const auto now = Clock::now();
    if (!run.started) {
      std::fprintf(stderr, "[flowgen] %s: %d of %d users still setting up\n", run.opt.mode_name.c_str(), run.waiting,
                   run.opt.concurrency);
      continue;
    }
    const auto count = run.flows + run.warmup_flows;
    const double rate = static_cast<double>(count - last_count) / std::chrono::duration<double>(now - last).count();
    const char* phase = now < run.measure_start ? "warm-up" : now <= run.measure_end ? "measuring" : "finishing";
    std::fprintf(stderr, "[flowgen] %s %s: %s flows/s in the last second; %llu counted, %llu errors\n",
                 run.opt.mode_name.c_str(), phase, fixed(rate, 1).c_str(), static_cast<unsigned long long>(run.flows),
                 static_cast<unsigned long long>(run.errors));
    last_count = count;
    last = now;
  }
}

// --- subcommands -------------------------------------------------------------------------------------------

Target parse_target(const std::string& url) {
  if (!url.starts_with("http://"))
    throw UsageError("--url must start with http:// (TLS is not supported), got '" + url + "'");
  std::string rest = url.substr(7);
  const auto slash = rest.find('/');
  Target t;
  t.host_header = rest.substr(0, slash);
  t.prefix = slash == std::string::npos ? "" : rest.substr(slash);
  while (!t.prefix.empty() && t.prefix.back() == '/') t.prefix.pop_back();
  std::string host = t.host_header, port = "80";
  const auto bracket = host.find(']');
  const auto colon = host.rfind(':');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
    port = host.substr(colon + 1);
    host.resize(colon);
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) throw UsageError("--url has no host: '" + url + "'");
  asio::io_context io;
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  auto results = resolver.resolve(host, port, ec);
  if (ec || results.empty()) throw std::runtime_error("cannot resolve " + t.host_header + ": " + ec.message());
  t.endpoint = results.begin()->endpoint();
  return t;
}

int run_flows(Mode mode, std::string_view name, const Args& args) {
  FlowOptions o;
  o.mode = mode;
  o.mode_name = name;
  o.target = parse_target(args.text("url"));
  if (mode == Mode::kCas) {
    o.service = args.text("service");
  } else if (mode == Mode::kSaml) {
    o.saml = {args.text("sp-entity-id"), args.text("acs-url"),
              "http://" + o.target.host_header + o.target.prefix + std::string(kSamlSsoPath)};
  } else {
    o.client_id = args.text("client-id");
    o.basic_auth = "Basic " + base64_encode(url_encode(o.client_id) + ":" + url_encode(args.text("client-secret")));
    o.redirect_uri = args.text("redirect-uri");
  }
  if (mode == Mode::kTotp || mode == Mode::kPasskey) {
    o.accounts = read_accounts(args.text("accounts"), mode == Mode::kTotp);
    o.origin = "http://" + o.target.host_header;  // the origin of --url, as a browser would report it
  } else if (mode == Mode::kPassword && args.has("accounts")) {
    if (args.has("username")) throw UsageError("password: give --username or --accounts, not both");
    o.accounts = read_accounts(args.text("accounts"), false);
  } else {
    o.username = args.text("username");
  }
  o.password = args.text("password");
  o.concurrency = static_cast<int>(args.whole("concurrency", 1, 10000));
  o.seconds = args.number("seconds", 0.1, 3600);
  o.warmup = args.number("warmup", 0, 3600, 0.0);
  if (mode == Mode::kPasskey && o.accounts.size() < static_cast<std::size_t>(o.concurrency))
    throw UsageError("passkey: --accounts lists " + std::to_string(o.accounts.size()) + " accounts for " +
                     std::to_string(o.concurrency) + " virtual users (one each)");
  if (mode == Mode::kTotp && o.accounts.size() < static_cast<std::size_t>(o.concurrency))
    throw UsageError("totp: --accounts lists " + std::to_string(o.accounts.size()) + " accounts, fewer than the " +
                     std::to_string(o.concurrency) + " virtual users");
  std::fprintf(stderr, "[flowgen] %s: %d users on one thread against %s, %s s warm-up, %s s measured\n",
               o.mode_name.c_str(), o.concurrency, o.target.host_header.c_str(), fixed(o.warmup, 1).c_str(),
               fixed(o.seconds, 1).c_str());

  // Destroyed in reverse: the run, then the users, then the io_context with whatever a fatal stop
  // left suspended (those frames still point at the users, but only to be destroyed).
  asio::io_context io;
  std::vector<std::unique_ptr<VirtualUser>> users;
  Run run(o, io);
  if (mode == Mode::kTotp) run.totp.emplace(o.accounts);
  for (int i = 0; i < o.concurrency; ++i) {
    users.push_back(std::make_unique<VirtualUser>(run, static_cast<std::size_t>(i)));
    asio::co_spawn(io, users.back()->run(), [&run](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        run.fail(std::string("unexpected failure in a virtual user: ") + x.what());
      }
    });
  }
  asio::co_spawn(io, report_progress(run), asio::detached);
  io.run();
  if (!run.fatal.empty()) {
    std::fprintf(stderr, "gatehouse-flowgen %s: FAILED: %s\n", o.mode_name.c_str(), run.fatal.c_str());
    return 2;
  }

  auto& lat = run.latencies_ms;
  std::sort(lat.begin(), lat.end());
  const double n = static_cast<double>(std::max<std::uint64_t>(run.flows, 1));
  double mean = 0;
  for (double v : lat) mean += v;
  std::string line =
      "result mode=" + o.mode_name + " flows=" + std::to_string(run.flows) + " seconds=" + fixed(o.seconds, 2) +
      " rate=" + fixed(static_cast<double>(run.flows) / o.seconds, 1) + " errors=" + std::to_string(run.errors) +
      " p50_ms=" + fixed(percentile(lat, 0.50), 2) + " p90_ms=" + fixed(percentile(lat, 0.90), 2) +
      " p99_ms=" + fixed(percentile(lat, 0.99), 2) + " max_ms=" + fixed(lat.empty() ? 0 : lat.back(), 2) +
      " mean_ms=" + fixed(mean / n, 2) + " concurrency=" + std::to_string(o.concurrency) +
      " warmup_flows=" + std::to_string(run.warmup_flows) + " reconnects=" + std::to_string(run.reconnects);
  if (mode == Mode::kPassword)
    line += " authorize_ms=" + fixed(run.step_ms[0] / n, 2) + " login_ms=" + fixed(run.step_ms[1] / n, 2) +
            " token_ms=" + fixed(run.step_ms[2] / n, 2);
  else if (mode == Mode::kSso)
    line += " authorize_ms=" + fixed(run.step_ms[0] / n, 2) + " token_ms=" + fixed(run.step_ms[1] / n, 2);
  else if (mode == Mode::kTotp)
    line += " authorize_ms=" + fixed(run.step_ms[0] / n, 2) + " login_ms=" + fixed(run.step_ms[1] / n, 2) +
            " factor_ms=" + fixed(run.step_ms[2] / n, 2) + " token_ms=" + fixed(run.step_ms[3] / n, 2) +
            " accounts=" + std::to_string(o.accounts.size());
  else if (mode == Mode::kPasskey)
    line += " authorize_ms=" + fixed(run.step_ms[0] / n, 2) + " options_ms=" + fixed(run.step_ms[1] / n, 2) +
            " passkey_ms=" + fixed(run.step_ms[2] / n, 2) + " token_ms=" + fixed(run.step_ms[3] / n, 2);
  else if (mode == Mode::kCas)
    line += " login_ms=" + fixed(run.step_ms[0] / n, 2) + " validate_ms=" + fixed(run.step_ms[1] / n, 2);
  else if (mode == Mode::kSaml)
    line += " sso_ms=" + fixed(run.step_ms[0] / n, 2) + " client_ms=" + fixed(run.step_ms[1] / n, 2);
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
  if (run.errors > 0) {
    std::fprintf(stderr, "gatehouse-flowgen %s: %llu error(s) during the run; the first: %s\n", o.mode_name.c_str(),
                 static_cast<unsigned long long>(run.errors), run.first_error.c_str());
    return 1;
  }
  if (run.flows == 0) {
    std::fprintf(stderr, "gatehouse-flowgen %s: no flow completed inside the measured window\n", o.mode_name.c_str());
    return 1;
  }
  return 0;
}

/// N threads hashing one password with argon2id for S seconds: what the node's password checks
/// could at best achieve on N cores.
int run_argon2(const Args& args) {
  const auto m = static_cast<std::uint32_t>(args.whole("memory-kib", 8, 4'194'304));
  const auto t = static_cast<std::uint32_t>(args.whole("iterations", 1, 100));
  const auto p = static_cast<std::uint32_t>(args.whole("parallelism", 1, 64));
  const auto threads = static_cast<int>(args.whole("threads", 1, 1024));
  const double seconds = args.number("seconds", 0.1, 3600);
  std::fprintf(stderr, "[flowgen] argon2id m=%u t=%u p=%u on %d thread(s) for %s s\n", m, t, p, threads,
               fixed(seconds, 1).c_str());
  constexpr std::string_view kPassword = "correct horse battery staple";
  struct Tally {
    std::uint64_t hashes = 0;
    double busy_ms = 0;
    int rc = ARGON2_OK;
  };
  std::vector<Tally> tallies(threads);
  std::array<unsigned char, 16> salt{};
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) throw std::runtime_error("RAND_bytes failed");
  std::atomic<bool> stop{false};
  const auto t0 = Clock::now();
  std::vector<std::thread> workers;
  for (auto& tally : tallies)
    workers.emplace_back([&, &tally = tally] {
      std::array<unsigned char, 32> out{};
      while (!stop.load(std::memory_order_relaxed)) {
        const auto s = Clock::now();
        tally.rc = argon2id_hash_raw(t, m, p, kPassword.data(), kPassword.size(), salt.data(), salt.size(), out.data(),
                                     out.size());
        if (tally.rc != ARGON2_OK) return;
        ++tally.hashes;
        tally.busy_ms += std::chrono::duration<double, std::milli>(Clock::now() - s).count();
      }
    });
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  std::uint64_t hashes = 0;
  double busy_ms = 0;
  for (const auto& tally : tallies) {
    if (tally.rc != ARGON2_OK) {
      std::fprintf(stderr, "gatehouse-flowgen argon2: FAILED: argon2id_hash_raw: %s\n", argon2_error_message(tally.rc));
      return 2;
    }
    hashes += tally.hashes;
    busy_ms += tally.busy_ms;
  }
  if (hashes == 0) {
    std::fprintf(stderr, "gatehouse-flowgen argon2: FAILED: no hash finished in %s s\n", fixed(elapsed, 2).c_str());
    return 2;
  }
  const double ms_per_hash = busy_ms / static_cast<double>(hashes);
  std::printf(
      "result mode=argon2 hashes=%llu seconds=%s rate=%s errors=0 ms_per_hash=%s threads=%d limit=%s "
      "memory_kib=%u iterations=%u parallelism=%u\n",
      static_cast<unsigned long long>(hashes), fixed(elapsed, 2).c_str(),
      fixed(static_cast<double>(hashes) / elapsed, 1).c_str(), fixed(ms_per_hash, 2).c_str(), threads,
      fixed(threads * 1000.0 / ms_per_hash, 1).c_str(), m, t, p);
  return 0;
}

/// ldap-binds: the options into LdapBindOptions (ldap_binds.hpp), then the run.
int run_binds(const Args& args) {
  LdapBindOptions o;
  o.url = args.text("url");
  if (!o.url.starts_with("ldap://") && !o.url.starts_with("ldaps://"))
    throw UsageError("--url must be ldap://host:port or ldaps://host:port, got '" + o.url + "'");
  if (args.has("dn-pattern") == args.has("users-file"))
    throw UsageError("ldap-binds: give --dn-pattern (with --users) or --users-file, one of them");
  auto dns = args.has("users-file") ? dns_from_file(args.text("users-file"))
                                    : dns_from_pattern(args.text("dn-pattern"), args.whole("users", 1, kMaxBindUsers));
  if (!dns) throw UsageError("ldap-binds: " + dns.error());
  o.dns = std::move(*dns);
  o.password = args.text("password");
  o.concurrency = static_cast<int>(args.whole("concurrency", 1, 1024));
  o.seconds = args.number("seconds", 0.1, 3600);
  o.warmup = args.number("warmup", 0, 3600, 0.0);
  return run_ldap_binds(o);
}

constexpr std::string_view kUsage = R"(usage:
  gatehouse-flowgen argon2   --memory-kib M --iterations T --parallelism P --threads N --seconds S
  gatehouse-flowgen password --url BASE --client-id ID --client-secret S --redirect-uri URI
                             (--username U | --accounts FILE) --password P --concurrency C
                             --seconds S [--warmup W]
  gatehouse-flowgen sso      (the options of password)
  gatehouse-flowgen refresh  (the options of password)
  gatehouse-flowgen totp     (the options of password but --username) --accounts FILE
  gatehouse-flowgen passkey  (the options of password but --username) --accounts FILE
  gatehouse-flowgen cas      --url BASE --service URL --username U --password P --concurrency C
                             --seconds S [--warmup W]
  gatehouse-flowgen saml     --url BASE --sp-entity-id ID --acs-url URL --username U --password P
                             --concurrency C --seconds S [--warmup W]
  gatehouse-flowgen ldap-binds --url ldap://HOST:PORT (--dn-pattern DN --users K | --users-file FILE)
                             --password P --concurrency C --seconds S [--warmup W]
FILE: one account a line, "username base32-totp-seed" (totp) or "username" (passkey, password), all
with --password; for ldap-binds one DN a line. DN: a bind DN with one "%d", replaced by 0..K-1.
)";

int run_command(int argc, char** argv) {
  if (argc < 2) throw UsageError("no subcommand");
  const std::string_view cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    std::printf("%s", kUsage.data());
    return 0;
  }
  if (cmd == "argon2")
    return run_argon2(Args(argc, argv, {"memory-kib", "iterations", "parallelism", "threads", "seconds"}));
  const std::initializer_list<std::string_view> flow_options{
      "url", "client-id", "client-secret", "redirect-uri", "username", "password", "concurrency", "seconds", "warmup"};
  const std::initializer_list<std::string_view> password_options{"url",      "client-id", "client-secret", "redirect-uri",
                                                                 "username", "accounts",  "password",      "concurrency",
                                                                 "seconds",  "warmup"};
  if (cmd == "password") return run_flows(Mode::kPassword, cmd, Args(argc, argv, password_options));
  if (cmd == "sso") return run_flows(Mode::kSso, cmd, Args(argc, argv, flow_options));
  if (cmd == "refresh") return run_flows(Mode::kRefresh, cmd, Args(argc, argv, flow_options));
  const std::initializer_list<std::string_view> mfa_options{
      "url", "client-id", "client-secret", "redirect-uri", "accounts", "password", "concurrency", "seconds", "warmup"};
  if (cmd == "totp") return run_flows(Mode::kTotp, cmd, Args(argc, argv, mfa_options));
  if (cmd == "passkey") return run_flows(Mode::kPasskey, cmd, Args(argc, argv, mfa_options));
  const std::initializer_list<std::string_view> cas_options{"url",         "service", "username", "password",
                                                            "concurrency", "seconds", "warmup"};
  if (cmd == "cas") return run_flows(Mode::kCas, cmd, Args(argc, argv, cas_options));
  const std::initializer_list<std::string_view> saml_options{"url",         "sp-entity-id", "acs-url", "username",
                                                             "password",    "concurrency",  "seconds", "warmup"};
  if (cmd == "saml") return run_flows(Mode::kSaml, cmd, Args(argc, argv, saml_options));
  if (cmd == "ldap-binds")
    return run_binds(Args(argc, argv, {"url", "dn-pattern", "users", "users-file", "password", "concurrency", "seconds", "warmup"}));
  throw UsageError("unknown subcommand '" + std::string(cmd) + "'");
}

}  // namespace
}  // namespace gatehouse::bench

int main(int argc, char** argv) {
  using namespace gatehouse::bench;
  try {
    return run_command(argc, argv);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "gatehouse-flowgen: %s\n%s", e.what(), kUsage.data());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gatehouse-flowgen: FAILED: %s\n", e.what());
  }
  return 2;
}
