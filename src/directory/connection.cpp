#include "directory/connection.hpp"

#include <csignal>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <lber.h>
#include <ldap.h>

namespace gatehouse::directory {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// ---------------------------------------------------------------------------------------------
// The watchdog: one thread for every connection of the process. A call into libldap that may
// block (a connect, a TLS handshake, a send) is armed with its deadline; past it the socket is
// shut down (never closed: libldap owns the descriptor, and a closed number may be reused), which
// makes whatever libldap waits on fail at once.

struct Connection::Handle {
  LDAP* ld = nullptr;
  int fd = -1;  // guarded by the watchdog's mutex: set and cleared by libldap's connection callbacks
  ldap_conncb callbacks{};
};

namespace {

class Watchdog {
 public:
  static Watchdog& instance() {
    static Watchdog w;
    return w;
  }
  ~Watchdog() {
    {
      std::lock_guard lock(m_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  void arm(Connection::Handle* h, Clock::time_point deadline) {
    {
      std::lock_guard lock(m_);
      armed_[h] = deadline;
      if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    }
    cv_.notify_all();
  }
  void disarm(Connection::Handle* h) {
    std::lock_guard lock(m_);
    armed_.erase(h);
  }
  void set_fd(Connection::Handle* h, int fd) {
    std::lock_guard lock(m_);
    h->fd = fd;
  }

 private:
  void run() {
    std::unique_lock lock(m_);
    while (!stop_) {
      if (armed_.empty()) {
        cv_.wait(lock);
        continue;
      }
      // A copy: the entry may be disarmed (erased) while this thread waits without the lock.
      const Clock::time_point until = std::min_element(armed_.begin(), armed_.end(), [](const auto& a, const auto& b) {
                                        return a.second < b.second;
                                      })->second;
      if (cv_.wait_until(lock, until) != std::cv_status::timeout) continue;
      const auto now = Clock::now();
      for (auto it = armed_.begin(); it != armed_.end();) {
        if (it->second > now) {
          ++it;
          continue;
        }
        if (it->first->fd >= 0) ::shutdown(it->first->fd, SHUT_RDWR);
        it = armed_.erase(it);
      }
    }
  }

  std::mutex m_;
  std::condition_variable cv_;
  std::map<Connection::Handle*, Clock::time_point> armed_;
  bool stop_ = false;
  std::thread thread_;
};

/// Arms the watchdog for one scope.
class Armed {
 public:
  Armed(Connection::Handle* h, Clock::time_point deadline) : h_(h) { Watchdog::instance().arm(h, deadline); }
  ~Armed() { Watchdog::instance().disarm(h_); }
  Armed(const Armed&) = delete;
  Armed& operator=(const Armed&) = delete;

 private:
  Connection::Handle* h_;
};

int on_connect(LDAP*, Sockbuf* sb, LDAPURLDesc*, sockaddr*, ldap_conncb* ctx) {
  int fd = -1;
  ber_sockbuf_ctrl(sb, LBER_SB_OPT_GET_FD, &fd);
  Watchdog::instance().set_fd(static_cast<Connection::Handle*>(ctx->lc_arg), fd);
  // A message longer than this fails at its header, before libldap allocates for it.
  ber_len_t max = kMaxMessageBytes;
  ber_sockbuf_ctrl(sb, LBER_SB_OPT_SET_MAX_INCOMING, &max);
  return 0;
}

void on_disconnect(LDAP*, Sockbuf*, ldap_conncb* ctx) {
  Watchdog::instance().set_fd(static_cast<Connection::Handle*>(ctx->lc_arg), -1);
}

timeval to_timeval(milliseconds d) {
  d = std::max(d, milliseconds(1));
  return timeval{static_cast<time_t>(d.count() / 1000), static_cast<suseconds_t>((d.count() % 1000) * 1000)};
}

milliseconds left(Clock::time_point deadline) {
  return std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
}

/// The codes after which the server (or the path to it) is not answering, as opposed to an answer.
bool transport_failure(int code) {
  return code < 0 || code == LDAP_BUSY || code == LDAP_UNAVAILABLE;
}

// The system's CA bundle (Debian's ca-certificates), when a source names no CA file.
constexpr const char* kSystemCaFile = "/etc/ssl/certs/ca-certificates.crt";

/// The handle's options, TLS ones before LDAP_OPT_X_TLS_NEWCTX, which builds the handle's TLS
/// context from them (libldap would otherwise share the global one, set up from ldap.conf).
int configure(LDAP* ld, const Endpoint& e, ldap_conncb* callbacks) {
  const int version = LDAP_VERSION3, never = LDAP_DEREF_NEVER, demand = LDAP_OPT_X_TLS_DEMAND, client = 0;
  const timeval connect = to_timeval(e.connect_timeout), answer = to_timeval(e.timeout);
  const std::string ca = e.ca_file.empty() ? kSystemCaFile : e.ca_file;
  const std::pair<int, const void*> options[] = {
      {LDAP_OPT_PROTOCOL_VERSION, &version},
      {LDAP_OPT_REFERRALS, LDAP_OPT_OFF},  // chasing one would bind anonymously elsewhere
      {LDAP_OPT_DEREF, &never},
      {LDAP_OPT_NETWORK_TIMEOUT, &connect},
      {LDAP_OPT_TIMEOUT, &answer},
      {LDAP_OPT_X_TLS_REQUIRE_CERT, &demand},
      {LDAP_OPT_X_TLS_CACERTFILE, ca.c_str()},
      {LDAP_OPT_X_TLS_NEWCTX, &client},
      {LDAP_OPT_CONNECT_CB, callbacks},
  };
  for (const auto& [option, value] : options) {
    if (const int rc = ldap_set_option(ld, option, value); rc != LDAP_OPT_SUCCESS) return rc;
  }
  return LDAP_SUCCESS;
}

int scope_of(Scope s) {
  return s == Scope::kBase ? LDAP_SCOPE_BASE : s == Scope::kOneLevel ? LDAP_SCOPE_ONELEVEL : LDAP_SCOPE_SUBTREE;
}

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

/// The entry's DN and attributes, within the bounds on values.
Entry read_entry(LDAP* ld, LDAPMessage* m) {
  Entry e;
  if (char* dn = ldap_get_dn(ld, m)) {
    e.dn = dn;
    ldap_memfree(dn);
  }
  BerElement* ber = nullptr;
  for (char* a = ldap_first_attribute(ld, m, &ber); a; a = ldap_next_attribute(ld, m, ber)) {
    if (e.attributes.size() >= kMaxAttributes) {
      ldap_memfree(a);
      break;
    }
    auto& values = e.attributes[lower(a)];
    if (berval** vals = ldap_get_values_len(ld, m, a)) {
      for (berval** v = vals; *v && values.size() < kMaxValuesPerAttribute; ++v)
        values.emplace_back((*v)->bv_val, std::min<std::size_t>((*v)->bv_len, kMaxValueBytes));
      ldap_value_free_len(vals);
    }
    ldap_memfree(a);
  }
  if (ber) ber_free(ber, 0);
  return e;
}

}  // namespace

std::string Entry::first(const std::string& name) const {
  const auto it = attributes.find(name);
  return it == attributes.end() || it->second.empty() ? std::string() : it->second.front();
}

Connection::Connection(Endpoint endpoint, std::unique_ptr<Handle> handle)
    : endpoint_(std::move(endpoint)), handle_(std::move(handle)) {}

Connection::~Connection() {
  if (handle_ && handle_->ld) ldap_unbind_ext(handle_->ld, nullptr, nullptr);
}

LdapError Connection::fail(std::string_view what, int code, Failure failure) {
  LdapError e{failure, code, std::string(what) + ": " + ldap_err2string(code), {}};
  char* diag = nullptr;
  if (handle_->ld && ldap_get_option(handle_->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag) == LDAP_OPT_SUCCESS && diag) {
    e.diagnostic = diag;
    ldap_memfree(diag);
  }
  if (failure == Failure::kUnavailable) broken_ = true;
  return e;
}

void initialise() {
  static std::once_flag once;
  std::call_once(once, [] {
    int version = 0;
    ldap_get_option(nullptr, LDAP_OPT_PROTOCOL_VERSION, &version);  // runs libldap's global init
    struct sigaction current {};
    if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) std::signal(SIGPIPE, SIG_IGN);
  });
}

Result<std::unique_ptr<Connection>, LdapError> Connection::open(const Endpoint& endpoint) {
  initialise();
  auto handle = std::make_unique<Handle>();
  handle->callbacks.lc_add = on_connect;
  handle->callbacks.lc_del = on_disconnect;
  handle->callbacks.lc_arg = handle.get();
  std::unique_ptr<Connection> c(new Connection(endpoint, std::move(handle)));
  Handle* h = c->handle_.get();
  if (const int rc = ldap_initialize(&h->ld, endpoint.url.c_str()); rc != LDAP_SUCCESS)
    return unexpected(c->fail("reading the URL " + endpoint.url, rc, Failure::kUnavailable));
  if (const int rc = configure(h->ld, endpoint, &h->callbacks); rc != LDAP_SUCCESS)
    return unexpected(c->fail("setting the connection's options", rc, Failure::kUnavailable));
  {
    // The TCP connect is bounded by LDAP_OPT_NETWORK_TIMEOUT, an ldaps:// handshake by this.
    Armed armed(h, Clock::now() + endpoint.connect_timeout);
    if (const int rc = ldap_connect(h->ld); rc != LDAP_SUCCESS)
      return unexpected(c->fail("connecting to " + endpoint.url, rc, Failure::kUnavailable));
  }
  if (endpoint.start_tls) {
    if (auto tls = c->start_tls(); !tls) return unexpected(tls.error());
  }
  return c;
}

/// The answer to request `msgid` (the next message of it with LDAP_MSG_ONE), waited for until
/// `deadline`. On a timeout the request is abandoned; the caller's fail() names `what`.
Result<std::pair<int, LDAPMessage*>, LdapError> Connection::await(std::string_view what, int msgid, Clock::time_point deadline,
                                                                  int all) {
  LDAPMessage* m = nullptr;
  timeval tv = to_timeval(left(deadline));
  const int got = ldap_result(handle_->ld, msgid, all, &tv, &m);
  if (got > 0) return std::pair{got, m};
  if (got == 0) ldap_abandon_ext(handle_->ld, msgid, nullptr, nullptr);
  return unexpected(fail(what, got == 0 ? LDAP_TIMEOUT : LDAP_SERVER_DOWN, Failure::kUnavailable));
}

/// A result message's code and the server's diagnostic; frees `m`. A message that does not parse
/// is kUnavailable.
Result<std::pair<int, std::string>, LdapError> Connection::result_of(std::string_view what, LDAPMessage* m) {
  int code = LDAP_OTHER;
  char* diagnostic = nullptr;
  const int parsed = ldap_parse_result(handle_->ld, m, &code, nullptr, &diagnostic, nullptr, nullptr, 1);
  std::string text = diagnostic ? diagnostic : "";
  if (diagnostic) ldap_memfree(diagnostic);
  if (parsed != LDAP_SUCCESS) return unexpected(fail(what, parsed, Failure::kUnavailable));
  return std::pair{code, std::move(text)};
}

Result<void, LdapError> Connection::start_tls() {
  Handle* h = handle_.get();
  const auto deadline = Clock::now() + endpoint_.connect_timeout;
  Armed armed(h, deadline);
  int msgid = 0;
  if (const int rc = ldap_start_tls(h->ld, nullptr, nullptr, &msgid); rc != LDAP_SUCCESS)
    return unexpected(fail("StartTLS", rc, Failure::kUnavailable));
  auto answer = await("StartTLS", msgid, deadline, LDAP_MSG_ALL);
  if (!answer) return unexpected(answer.error());
  auto result = result_of("StartTLS", answer->second);
  if (!result) return unexpected(result.error());
  if (result->first != LDAP_SUCCESS) return unexpected(fail("StartTLS", result->first, Failure::kUnavailable));
  if (const int rc = ldap_install_tls(h->ld); rc != LDAP_SUCCESS)
    return unexpected(fail("the TLS handshake after StartTLS", rc, Failure::kUnavailable));
  return {};
}

Result<void, LdapError> Connection::bind(std::string_view dn, std::string_view password) {
  if (dn.empty() || password.empty() || password.find('\0') != std::string_view::npos) {
    return unexpected(LdapError{Failure::kInvalidCredentials, LDAP_INVALID_CREDENTIALS,
                                "bind: an empty name or password is never sent", {}});
  }
  Handle* h = handle_.get();
  const auto deadline = Clock::now() + endpoint_.timeout;
  Armed armed(h, deadline);
  const std::string name(dn);
  berval credentials{static_cast<ber_len_t>(password.size()), const_cast<char*>(password.data())};
  int msgid = 0;
  if (const int rc = ldap_sasl_bind(h->ld, name.c_str(), LDAP_SASL_SIMPLE, &credentials, nullptr, nullptr, &msgid);
      rc != LDAP_SUCCESS)
    return unexpected(fail("bind", rc, Failure::kUnavailable));
  auto answer = await("bind", msgid, deadline, LDAP_MSG_ALL);
  if (!answer) return unexpected(answer.error());
  auto result = result_of("bind", answer->second);
  if (!result) return unexpected(result.error());
  auto& [code, diag] = *result;
  if (code == LDAP_SUCCESS) return {};
  const Failure failure = code == LDAP_INVALID_CREDENTIALS ? Failure::kInvalidCredentials
                          : transport_failure(code)        ? Failure::kUnavailable
                                                           : Failure::kRefused;
  auto e = fail("bind", code, failure);
  e.diagnostic = std::move(diag);
  return unexpected(std::move(e));
}

Result<std::vector<Entry>, LdapError> Connection::search(const SearchRequest& r) {
  Handle* h = handle_.get();
  const auto deadline = Clock::now() + endpoint_.timeout;
  Armed armed(h, deadline);
  std::vector<std::string> names = r.attributes.empty() ? std::vector<std::string>{"1.1"} : r.attributes;
  std::vector<char*> attrs;
  for (auto& n : names) attrs.push_back(n.data());
  attrs.push_back(nullptr);
  timeval server_limit = to_timeval(endpoint_.timeout);
  int msgid = 0;
  const int rc = ldap_search_ext(h->ld, r.base.c_str(), scope_of(r.scope),
                                 r.filter.c_str(), attrs.data(), 0, nullptr, nullptr, &server_limit, r.size_limit, &msgid);
  if (rc != LDAP_SUCCESS) return unexpected(fail("search", rc, transport_failure(rc) ? Failure::kUnavailable : Failure::kRefused));
  std::vector<Entry> entries;
  for (;;) {
    auto answer = await("search", msgid, deadline, LDAP_MSG_ONE);
    if (!answer) return unexpected(answer.error());
    auto [got, m] = *answer;
    if (got == LDAP_RES_SEARCH_ENTRY) {
      if (entries.size() < static_cast<std::size_t>(std::max(r.size_limit, 1))) entries.push_back(read_entry(h->ld, m));
      ldap_msgfree(m);
      continue;
    }
    if (got != LDAP_RES_SEARCH_RESULT) {  // a search reference: referrals are not chased
      ldap_msgfree(m);
      continue;
    }
    auto result = result_of("search", m);
    if (!result) return unexpected(result.error());
    const int code = result->first;
    if (code == LDAP_SIZELIMIT_EXCEEDED && r.partial) return entries;
    if (code != LDAP_SUCCESS)
      return unexpected(fail("search", code, transport_failure(code) ? Failure::kUnavailable : Failure::kRefused));
    return entries;
  }
}

}  // namespace gatehouse::directory
