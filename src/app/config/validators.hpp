#pragma once
// Checks of single values (addresses, URLs, names, algorithms, secrets) and the checks across
// keys, all in one place. A value check may normalise the value in place (a trailing '/' of a
// URL). Messages never show a secret or a URL that may carry a password. Internal to app/config.

#include <map>
#include <string>
#include <vector>

#include "app/config/config.hpp"
#include "app/config/values.hpp"

namespace gatehouse::app::config {

using StringCheck = Check (*)(std::string&);
using ListCheck = Check (*)(std::vector<std::string>&);

Check check_listen(std::string& v);         ///< "host:port", "[v6]:port"
Check check_public_url(std::string& v);     ///< the issuer (OpenID Connect Discovery 1.0 §3)
Check check_database_url(std::string& v);   ///< "sqlite:PATH" or a postgresql:// URI
Check check_node_id(std::string& v);
Check check_node_url(std::string& v);
Check check_redis_url(std::string& v);
Check check_algorithm(std::string& v);      ///< RS256 or ES256
Check check_cookie_name(std::string& v);
Check check_cookie_path(std::string& v);
Check check_log_level(std::string& v);
Check check_log_format(std::string& v);
Check check_mfa_issuer(std::string& v);
Check check_saml_entity_id(std::string& v);  ///< "" or an absolute URI of at most 1024 characters
Check check_mfa_policy(std::string& v);     ///< off | optional | required     ///< "" or 1..64 characters of UTF-8 text without ':' or controls
Check check_rp_id(std::string& v);          ///< "" or a lower-case host name
Check check_user_verification(std::string& v);  ///< preferred | required | discouraged
Check check_origins(std::vector<std::string>& list);  ///< each scheme://host[:port]
Check check_forwarded_header(std::string& v);
Check check_master_key(std::string& v);     ///< 32 bytes as base64url or base64
Check check_metrics_token(std::string& v);
Check check_algorithms(std::vector<std::string>& list);
Check check_address_list(std::vector<std::string>& list);  ///< the rules of http::AddressList

/// The rules that join several keys (signing algorithm, cluster mode, check-in timing, master key
/// source, the TLS pair). `labels` maps "section.key" to the label of the value in effect
/// ("key (from GATEHOUSE_...)" when the environment gave it).
/// @returns one message per broken rule.
std::vector<std::string> check_across_keys(const Config& config, const std::map<std::string, std::string>& labels);

}  // namespace gatehouse::app::config
