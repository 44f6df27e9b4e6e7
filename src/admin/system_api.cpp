// /api/system: the cluster as the admin API shows it (FusionAuth's System → About, and better):
// every node with its state and what it serves, the drift between them, and the run-once jobs
// with their recent runs.
#include <boost/json.hpp>

#include "admin/admin_api.hpp"
#include "admin/admin_http.hpp"
#include "cluster/membership.hpp"

namespace gatehouse::admin {
namespace {

constexpr std::size_t kDefaultRuns = 50;
constexpr std::size_t kMaxRuns = 1000;

json::object node_json(const cluster::NodeRecord& n, const std::string& this_node, UnixMillis now) {
  return json::object{{"node_id", n.node_id},
                      {"url", n.url},
                      {"version", n.version},
                      {"state", cluster::to_string(n.state)},
                      {"started_at", n.started_at},
                      {"last_checkin", n.last_checkin},
                      {"seconds_since_checkin", (now - n.last_checkin) / 1000},
                      {"applied_event", n.applied_event},
                      {"clock_skew_ms", n.clock_skew_ms ? json::value(*n.clock_skew_ms) : json::value(nullptr)},
                      {"config_hash", n.config_hash},
                      {"keyset", n.keyset},
                      {"this_node", n.node_id == this_node}};
}

// What each kind of request this node served cost in store round trips (core/request_stats.hpp).
Response request_stats(const AdminDeps& deps) {
  json::array items;
  if (deps.request_stats != nullptr) {
    for (const auto& e : deps.request_stats->snapshot()) {
      items.push_back(json::object{{"kind", e.kind}, {"requests", e.requests}, {"store_round_trips", e.store_round_trips}});
    }
  }
  return ok(200, json::object{{"node_id", deps.node_id}, {"requests", std::move(items)}});
}

Response list_nodes(const AdminDeps& deps) {
  const auto now = deps.clock.now_ms();
  auto nodes = deps.nodes.list();
  json::array items;
  for (const auto& n : nodes) items.push_back(node_json(n, deps.node_id, now));
  json::array drift;
  for (auto& line : cluster::drift_of(nodes)) drift.emplace_back(line);
  return ok(200, json::object{{"nodes", std::move(items)},
                              {"drift", std::move(drift)},
                              {"latest_event", deps.events.latest_seq()},
                              {"this_node", deps.node_id}});
}

json::object run_json(const cluster::JobRun& r) {
  json::object o{{"id", r.id},           {"job", r.job},         {"node_id", r.node_id},
                 {"started_at", r.started_at}, {"outcome", r.outcome}, {"detail", r.detail}};
  o["finished_at"] = r.finished_at ? json::value(*r.finished_at) : json::value(nullptr);
  return o;
}

Response list_jobs(const AdminDeps& deps) {
  json::array items;
  for (const auto& j : deps.jobs.list()) {
    auto last = deps.jobs.runs(j.name, 1);
    json::object o{{"name", j.name}, {"next_run", j.next_run}};
    o["running_on"] = j.lease_owner.empty() ? json::value(nullptr) : json::value(j.lease_owner);
    o["lease_expires"] = j.lease_owner.empty() ? json::value(nullptr) : json::value(j.lease_expires);
    o["last_run"] = last.empty() ? json::value(nullptr) : json::value(run_json(last.front()));
    items.push_back(std::move(o));
  }
  return ok(200, json::object{{"jobs", std::move(items)}});
}

Response list_runs(const AdminDeps& deps, const Request& req) {
  auto limit = query_number(req, "limit", kDefaultRuns, 1, kMaxRuns);
  if (!limit) return limit.error();
  json::array items;
  for (const auto& r : deps.jobs.runs(query_text(req, "job"), *limit)) items.push_back(run_json(r));
  return ok(200, json::object{{"runs", std::move(items)}});
}

Response run_now(const AdminDeps& deps, const std::string& name) {
  const auto now = deps.clock.now_ms();
  if (!deps.jobs.make_due(name, now)) return error(404, "not_found", "there is no job named '" + name + "'");
  return ok(202, json::object{{"name", name}, {"due_at", now}});
}

Response list_keys(const AdminDeps& deps) {
  json::array items;
  for (const auto& k : deps.keys.list_active()) {
    json::object o{{"kid", k.kid},
                   {"alg", k.alg},
                   {"state", keys::to_string(k.state)},
                   {"created_at", k.created_at},
                   {"activates_at", k.activates_at}};
    o["retires_at"] = k.retires_at ? json::value(*k.retires_at) : json::value(nullptr);
    items.push_back(std::move(o));
  }
  return ok(200, json::object{{"keys", std::move(items)}});
}

Response rotate_keys(const AdminDeps& deps) {
  auto result = deps.rotate_keys_now();
  auto names = [](const std::vector<std::string>& v) {
    json::array a;
    for (const auto& s : v) a.emplace_back(s);
    return a;
  };
  if (result.rotated.empty() && !result.refused.empty()) return error(409, "not_ready", result.refused);
  json::object body{{"rotated", names(result.rotated)}, {"published", names(result.generated)}, {"retired", result.retired}};
  if (!result.refused.empty()) body["not_rotated"] = result.refused;
  return ok(200, body);
}

json::value json_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  return ec ? json::value(text) : v;
}

// GET /api/system/audit?action=&actor=&target=&since=&until=&before_id=&limit=: newest first.
Response list_audit(const AdminDeps& deps, const Request& req) {
  if (deps.audit == nullptr) return ok(200, json::object{{"events", json::array{}}, {"next_before_id", nullptr}});
  constexpr std::size_t kMaxEvents = 1000;
  auto limit = query_number(req, "limit", 100, 1, kMaxEvents);
  if (!limit) return limit.error();
  AuditFilter filter;
  filter.action = query_text(req, "action");
  filter.actor = query_text(req, "actor");
  filter.target = query_text(req, "target");
  for (auto [name, field] : {std::pair{"since", &filter.since}, std::pair{"until", &filter.until}, std::pair{"before_id", &filter.before_id}}) {
    auto n = query_number(req, name, 0, 0, static_cast<std::size_t>(INT64_MAX));
    if (!n) return n.error();
    *field = static_cast<std::int64_t>(*n);
  }
  auto events = deps.audit->list(filter, *limit);
  json::array items;
  for (const auto& e : events) {
    items.push_back(json::object{{"id", e.id},
                                 {"at", e.at},
                                 {"node_id", e.node_id},
                                 {"actor", e.actor},
                                 {"action", e.action},
                                 {"target", e.target},
                                 {"client_address", e.client_address},
                                 {"status", e.status},
                                 {"before", json_or_null(e.before)},
                                 {"after", json_or_null(e.after)}});
  }
  json::value next = events.size() == *limit && !events.empty() ? json::value(events.back().id) : json::value(nullptr);
  return ok(200, json::object{{"events", std::move(items)}, {"next_before_id", std::move(next)}});
}

}  // namespace

void add_system_routes(http::Router& router, const AdminDeps& deps) {
  router.add("GET", "/api/system/audit", guarded(deps, [&deps](const Request& r, const PathParams&) { return list_audit(deps, r); }));
  router.add("GET", "/api/system/nodes", guarded(deps, [&deps](const Request&, const PathParams&) { return list_nodes(deps); }));
  router.add("GET", "/api/system/identity-sources", guarded(deps, [&deps](const Request&, const PathParams&) {
               return ok(200, json::object{{"node_id", deps.node_id},
                                           {"identity_sources", deps.identity_sources_status ? deps.identity_sources_status() : json::array()}});
             }));
  router.add("GET", "/api/system/stats",
             guarded(deps, [&deps](const Request&, const PathParams&) { return request_stats(deps); }));
  router.add("GET", "/api/system/jobs", guarded(deps, [&deps](const Request&, const PathParams&) { return list_jobs(deps); }));
  router.add("GET", "/api/system/jobs/runs",
             guarded(deps, [&deps](const Request& r, const PathParams&) { return list_runs(deps, r); }));
  router.add("GET", "/api/system/keys", guarded(deps, [&deps](const Request&, const PathParams&) { return list_keys(deps); }));
  router.add("POST", "/api/system/keys/rotate",
             audited(deps, {"keys.rotate", "", "", nullptr}, [&deps](const Request&, const PathParams&) { return rotate_keys(deps); }));
  router.add("POST", "/api/system/jobs/{name}/run",
             audited(deps, {"job.run", "name", "", nullptr}, [&deps](const Request&, const PathParams& p) { return run_now(deps, std::string(p.get("name"))); }));
}

}  // namespace gatehouse::admin
