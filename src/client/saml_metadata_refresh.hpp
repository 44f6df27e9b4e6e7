#pragma once
// The run-once cluster job "saml.metadata_refresh": every SP registered with a saml_metadata_url
// has its metadata fetched and, when saml::accept_fetched_metadata() takes it (signed with the
// SP's saml_metadata_signing_cert, still valid, the registered entityID), stored as the
// application's saml_metadata through the client store. That write is an ordinary change of the
// registration: optimistic (a registration changed meanwhile is left for the next run), audited,
// and announced to every node by the cluster event that reloads the SAML registry there. An SP
// without saml_metadata_signing_cert is never fetched: nothing unsigned from a URL is trusted.

#include <functional>
#include <string>

#include "client/client_store.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"

namespace gatehouse::client {

struct MetadataRefreshDeps {
  /// Written through (the caching store: its after-write hook tells the other nodes).
  ClientStore& clients;
  /// GETs the URL (https, the peer's certificate checked, a size cap and a deadline: the
  /// composition root's http::Client). @returns the body of a 200, else a reason for the log.
  std::function<Result<std::string, std::string>(const std::string& url)> fetch;
  /// Records the change (before and after: the registration as the admin API shows it).
  std::function<void(const std::string& client_id, const std::string& before, const std::string& after)> audit;
  const Clock& clock;
};

/// One run of the job: every application, a page at a time; each SP with a saml_metadata_url and
/// a saml_metadata_signing_cert fetched once. An SP whose fetch or checks fail keeps the metadata
/// it had (logged as a warning, with the reason). @returns the summary for the run record
/// ("SAML metadata URLs: 1 updated, 1 unchanged, 0 refused, 0 without a signing certificate"). Store faults propagate (the job runner records the run as failed).
std::string refresh_saml_metadata(const MetadataRefreshDeps& deps);

}  // namespace gatehouse::client
