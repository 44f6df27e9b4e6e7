#pragma once
// A sign-in transaction: one person proving who they are on behalf of one front door (OpenID
// Connect today; CAS and SAML next). It records what is being asked (an opaque continuation the
// front door owns and reads back when the sign-in is done), what the front door requires of the
// sign-in, the steps done so far and the assurance reached (RFC 8176 amr values, an acr). The
// sign-in domain never looks inside the continuation.
//
// Every piece of it lives in the store, so the form rendered by one node can be posted to any
// other, even after the first one restarted (DESIGN.md: no sticky sessions).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "signin/assurance.hpp"

namespace gatehouse::signin {

/// What a front door asked for, in its own encoding. `kind` names the front door that resumes
/// (FrontDoor::kind(): "oidc" today, "cas" and "saml" next); `payload` is opaque to sign-in.
struct Continuation {
  std::string kind;
  std::string payload;
};

inline constexpr std::string_view kOidcKind = "oidc";

struct SignInTransaction {
  std::string id;            // random; travels in the login form (field "tx")
  std::string csrf_hash;     // hash of the CSRF token bound to the browser
  Continuation continuation;
  /// Who asked: an OIDC client_id today, a CAS service or a SAML entity ID later. For rate limits,
  /// the audit trail and the page's "sign in to <name>".
  std::string service;
  // What the front door requires of the sign-in.
  std::string login_hint;
  bool fresh = false;                   // a new sign-in even with a live SSO session (prompt=login)
  std::optional<UnixSeconds> max_age;   // the SSO session must be at most this old
  std::string requested_acr;            // space-separated, as asked (acr_values); recorded only
  // What the sign-in reached so far.
  std::string amr;       // space-separated RFC 8176 values of the steps done ("pwd")
  std::string user_id;   // once a step identified the user
  std::string acr;       // the assurance reached ("" until a policy names one)
  UnixSeconds created_at = 0;
  UnixSeconds expires_at = 0;
  /// TEMPORARY (expand/contract, until the contract release after migration 0015): the row was
  /// written by a node of release 0.1.0 (it has no kind), whose login form carries the browser's own
  /// CSRF token instead of one the server signed (SignIn::posted). Set by the stores when they read
  /// such a row; never stored, and never set for a transaction this release creates.
  bool legacy_csrf = false;
};

/// Port: pending sign-in transactions.
/// Thread safety: every method is safe to call concurrently; a backend makes consume() atomic.
class TransactionStore {
 public:
  virtual ~TransactionStore() = default;
  virtual void insert(const SignInTransaction& tx) = 0;
  /// The transaction if it exists and has not expired at `now`.
  virtual std::optional<SignInTransaction> find(const std::string& id, UnixSeconds now) = 0;
  /// Records a finished step (for multi-step sign-ins): sets user_id, amr and acr to those of
  /// `after`, only while the transaction `after.id` is live at `now` and its amr is still
  /// `expected_amr` (what the caller read before the step). One conditional write: @returns true
  /// for exactly one caller when several race, so a step is recorded once and a stale form cannot
  /// overwrite a later step.
  virtual bool record_step(const SignInTransaction& after, std::string_view expected_amr, UnixSeconds now) = 0;
  /// Deletes the transaction. @returns true for exactly one caller when several race, so a sign-in
  /// is completed once.
  virtual bool consume(const std::string& id) = 0;
  /// Deletes at most `limit` transactions that expired before `now`. @returns how many.
  virtual std::size_t purge_expired(UnixSeconds now, std::size_t limit) = 0;
};

}  // namespace gatehouse::signin
