#include "oauth/token/token_endpoint.hpp"

#include <boost/json.hpp>

#include "core/request_stats.hpp"

namespace gatehouse::oauth {
namespace {

/// A real token request is a few hundred bytes; anything larger is read on a worker so one
/// request can never hold an I/O thread for long.
constexpr std::size_t kMaxFastPathBody = 4096;

/// Step 7's answer, and the only place a grant's outcome becomes HTTP.
http::Response answer(GrantResult result) {
  if (!result) return oauth_error_response(result.error());
  return oauth_json_response(*result);
}

/// The answer to credentials that did not authenticate: counted against the address (on the I/O
/// thread's fast path nothing is counted, since no limit is set there).
http::Response failed_authentication(const OAuthDeps& deps, const http::Request& request, const OAuthError& e) {
  if (e.code == OAuthErrorCode::kInvalidClient && deps.limits.failed) deps.limits.failed(request.client_address);
  return oauth_error_response(e);
}

/// Names the request by its grant type for stats (kinds never come from the request itself).
void name_request(const TokenRequest& tr) {
  if (tr.grant != nullptr) stats::request_kind = tr.grant->kind;
}

/// Steps 2 and 3 (on a worker). @returns the refusal, or nullopt with tr.presented set.
std::optional<http::Response> read_credentials(const OAuthDeps& deps, const http::Request& request, TokenRequest& tr) {
  const auto& limits = deps.limits;
  if (limits.per_address)
    if (auto wait = limits.per_address(request.client_address)) return too_many_requests(*wait);
  if (limits.failures_exhausted)
    if (auto wait = limits.failures_exhausted(request.client_address)) return too_many_requests(*wait);
  auto presented = presented_credentials(request, tr.form);
  if (!presented) return failed_authentication(deps, request, presented.error());
  tr.presented = std::move(*presented);
  return std::nullopt;
}

/// Steps 5 to 7, given the registered client (nullptr: none by that id).
http::Response authenticate_and_grant(const OAuthDeps& deps, const http::Request& request, const TokenRequest& tr,
                                      const client::Client* registered) {
  auto verified = verify_client(*tr.presented, registered, deps.secrets, {deps.assertions, kTokenPath});
  if (!verified) return failed_authentication(deps, request, verified.error());
  // Only now is the client's own budget spent: it is this client asking.
  if (deps.limits.per_client)
    if (auto wait = deps.limits.per_client(registered->client_id)) return too_many_requests(*wait);
  return answer(run_grant(tr.grant, *tr.form.get("grant_type"), GrantRequest{deps, *registered, tr.form}));
}

/// Steps 2 to 7 on a worker, from wherever the request's reading stopped.
http::Response finish_on_worker(const OAuthDeps& deps, const http::Request& request, TokenRequest& tr) {
  name_request(tr);  // again: this is another thread than the one that read it
  if (!tr.presented)
    if (auto refused = read_credentials(deps, request, tr)) return std::move(*refused);
  auto found = deps.clients.find(tr.presented->client_id);
  return authenticate_and_grant(deps, request, tr, found ? &*found : nullptr);
}

/// The worker's share of a request the I/O thread began: it owns the TokenRequest read so far.
http::Continuation hand_over(const OAuthDeps& deps, TokenRequest&& tr) {
  return [&deps, tr = std::move(tr)](const http::Request& request) mutable {
    return answer_store_faults(deps.count_store_fault, request, [&] { return finish_on_worker(deps, request, tr); });
  };
}

/// Whether the rest may run on the I/O thread: the grant says it answers from memory, and the
/// client's access tokens are ES256 (a P-256 signature; RS256 takes about a millisecond).
bool runs_inline(const Grant* grant, const client::Client& c) {
  return grant != nullptr && grant->may_run_inline && c.access_token_signed_response_alg == "ES256";
}

}  // namespace

Result<TokenRequest, OAuthError> read_token_request(const GrantTable& grants, const http::Request& request) {
  auto form = parse_form(request);
  if (!form) return unexpected(std::move(form.error()));
  const auto* grant_type = form->get("grant_type");
  if (grant_type == nullptr) return unexpected(oauth_error(OAuthErrorCode::kInvalidRequest, "grant_type is required"));
  const Grant* grant = grants.find(*grant_type);
  return TokenRequest{std::move(*form), grant, std::nullopt};
}

http::Response token_endpoint(const OAuthDeps& deps, const http::Request& request) {
  return answer_store_faults(deps.count_store_fault, request, [&] {
    auto tr = read_token_request(deps.grants, request);
    if (!tr) return oauth_error_response(tr.error());
    return finish_on_worker(deps, request, *tr);
  });
}

http::FastPathResult token_endpoint_fast_path(const OAuthDeps& deps, const http::Request& request) {
  if (deps.cache == nullptr || request.body.size() > kMaxFastPathBody) return {};
  auto tr = read_token_request(deps.grants, request);
  if (!tr) return oauth_error_response(tr.error());
  name_request(*tr);
  // Counting needs Redis or the store: with any limit on, a worker checks them, then reads on.
  if (deps.limits.any()) return hand_over(deps, std::move(*tr));
  auto presented = presented_credentials(request, tr->form);
  if (!presented) return failed_authentication(deps, request, presented.error());
  tr->presented = std::move(*presented);
  if (tr->presented->method == "private_key_jwt") return hand_over(deps, std::move(*tr));  // replay check: store
  auto registered = deps.cache->peek(tr->presented->client_id);
  if (!registered || !runs_inline(tr->grant, *registered)) return hand_over(deps, std::move(*tr));
  return authenticate_and_grant(deps, request, *tr, registered.get());
}

void add_token_routes(http::Router& router, const OAuthDeps& deps) {
  router.add(
      "POST", kTokenPath, [&deps](const http::Request& r, const http::PathParams&) { return token_endpoint(deps, r); },
      [&deps](const http::Request& r, const http::PathParams&) { return token_endpoint_fast_path(deps, r); });
}

}  // namespace gatehouse::oauth
