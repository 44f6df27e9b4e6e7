#include "app/backends.hpp"
#include "app/cli/commands.hpp"
#include "app/kickstart.hpp"
#include "app/options.hpp"
#include "client/secret_hasher.hpp"
#include "core/error.hpp"
#include "keys/master_key.hpp"

namespace gatehouse::app::cli {

std::string run_init(const config::Config& config, const std::string& kickstart_path) {
  auto plan = read_kickstart(kickstart_path, kickstart_rules(config));
  if (!plan) throw StartupError(plan.error());
  auto store = open_store(config);
  auto master = keys::load_master_key({config.keys.master_key_file, config.keys.master_key}, store->keys());
  client::SecretHasher client_secrets(master.derive(keys::kClientSecretHashPurpose));
  client::SecretHasher api_key_hasher(master.derive(keys::kApiKeyHashPurpose));
  SystemClock clock;
  user::PasswordHasher passwords(argon2_params(config));
  const mfa::Factors factors(factors_deps(config, *store, store->users(), master, clock));
  auto out = apply_kickstart(*plan, KickstartTargets{store->clients(), store->api_keys(), store->users(), store->settings(),
                                                     client_secrets, api_key_hasher, passwords, clock, &factors});
  return "kickstart applied: " + std::to_string(out.api_keys_created) + " api key(s) created, " +
         std::to_string(out.api_keys_present) + " already present; " + std::to_string(out.applications_created) +
         " application(s) created, " + std::to_string(out.applications_present) + " already present; " +
         std::to_string(out.users_created) + " user(s) created, " + std::to_string(out.users_present) +
         " already present";
}

}  // namespace gatehouse::app::cli
