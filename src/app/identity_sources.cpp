#include "app/identity_sources.hpp"

#include <chrono>

namespace gatehouse::app {
namespace {

namespace json = boost::json;

}  // namespace

directory::SourceOptions source_options(const config::IdentitySourceConfig& c) {
  directory::SourceOptions o;
  o.name = c.name;
  o.flavour = c.type == "active_directory" ? directory::Flavour::kActiveDirectory : directory::Flavour::kLdap;
  o.urls = c.urls;
  o.start_tls = c.start_tls;
  o.ca_file = c.ca_file;
  o.bind_dn = c.bind_dn;
  o.bind_password = c.bind_password.reveal();
  o.user_base = c.user_base;
  o.user_subtree = c.user_scope != "one";
  o.user_filter = c.user_filter;
  o.dn_template = c.dn_template;
  o.id_attribute = c.id_attribute;
  o.username_attribute = c.username_attribute;
  o.groups = c.groups == "member_of" ? directory::GroupLookup::kMemberOf
             : c.groups == "search"  ? directory::GroupLookup::kSearch
                                     : directory::GroupLookup::kNone;
  o.group_base = c.group_base;
  o.group_filter = c.group_filter;
  o.max_groups = c.max_groups;
  o.claims = c.attributes;
  o.connect_timeout = c.connect_timeout;
  o.timeout = c.timeout;
  o.pool_size = static_cast<std::size_t>(c.pool_size);
  o.pool_wait = c.pool_wait;
  o.retry_after = c.retry_after;
  o.trust_email = c.trust_email;
  return o;
}

std::vector<std::unique_ptr<directory::DirectoryIdentitySource>> make_directories(const config::Config& c) {
  std::vector<std::unique_ptr<directory::DirectoryIdentitySource>> out;
  for (const auto& s : c.identity_sources) out.push_back(std::make_unique<directory::DirectoryIdentitySource>(source_options(s)));
  return out;
}

std::vector<user::IdentitySource*> identity_sources_of(const std::vector<std::unique_ptr<directory::DirectoryIdentitySource>>& directories) {
  std::vector<user::IdentitySource*> out;
  for (const auto& d : directories) out.push_back(d.get());
  return out;
}

json::array directories_json(const std::vector<std::unique_ptr<directory::DirectoryIdentitySource>>& directories) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  json::array out;
  for (const auto& d : directories) {
    const auto& o = d->source().options();
    json::array servers;
    for (const auto& h : d->source().health()) {
      servers.push_back(json::object{{"url", h.url},
                                     {"up", h.up},
                                     {"retry_in_ms", h.up ? 0 : std::max<std::int64_t>(0, h.down_until_ms - now)},
                                     {"last_error", h.last_error},
                                     {"connections_idle", h.idle},
                                     {"connections_in_use", h.in_use}});
    }
    out.push_back(json::object{{"name", o.name},
                               {"type", o.flavour == directory::Flavour::kActiveDirectory ? "active_directory" : "ldap"},
                               {"pool_size", o.pool_size},
                               {"servers", std::move(servers)}});
  }
  return out;
}

void write_directory_metrics(metrics::Writer& out, const std::vector<std::unique_ptr<directory::DirectoryIdentitySource>>& directories) {
  if (directories.empty()) return;
  out.family("gatehouse_directory_server_up", "gauge", "1 while this node asks the directory server; 0 while it skips it after a failure.");
  for (const auto& d : directories)
    for (const auto& h : d->source().health()) out.sample("gatehouse_directory_server_up", {{"source", d->name()}, {"server", h.url}}, h.up ? 1 : 0);
  out.family("gatehouse_directory_connections", "gauge", "This node's connections to the directory server, idle or in use.");
  for (const auto& d : directories) {
    for (const auto& h : d->source().health()) {
      out.sample("gatehouse_directory_connections", {{"source", d->name()}, {"server", h.url}, {"state", "idle"}}, static_cast<double>(h.idle));
      out.sample("gatehouse_directory_connections", {{"source", d->name()}, {"server", h.url}, {"state", "in_use"}}, static_cast<double>(h.in_use));
    }
  }
}

}  // namespace gatehouse::app
