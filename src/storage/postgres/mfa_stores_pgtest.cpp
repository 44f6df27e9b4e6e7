// Multi-factor store contracts on PostgreSQL: TOTP factors, recovery codes, passkeys, WebAuthn
// challenges; and what deleting a user does to their factors.
#include "mfa/testing/challenge_store_contract.hpp"
#include "mfa/testing/passkey_store_contract.hpp"
#include "mfa/testing/recovery_code_store_contract.hpp"
#include "mfa/testing/totp_store_contract.hpp"

#include "storage/postgres/test_backends.hpp"
#include "storage/testing/user_factors.hpp"

namespace gatehouse::storage::postgres::test {
namespace {

using namespace mfa::testing;

/// The store `Accessor` picks out of a backend on a fresh schema (the suffix names the backend's
/// shape, as in contracts_pgtest.cpp).
template <class Store, auto Accessor>
auto on_postgres() {
  return ::testing::Values(
      contract::StoreBackend<Store>{"Schema", [] { return store_of<Store, Accessor>(open_backend()); }});
}

INSTANTIATE_TEST_SUITE_P(Postgres, TotpStoreContract, (on_postgres<mfa::TotpStore, &PostgresBackend::totp>()),
                         totp_backend_name);
INSTANTIATE_TEST_SUITE_P(Postgres, RecoveryCodeStoreContract,
                         (on_postgres<mfa::RecoveryCodeStore, &PostgresBackend::recovery_codes>()),
                         recovery_code_backend_name);
INSTANTIATE_TEST_SUITE_P(Postgres, PasskeyStoreContract, (on_postgres<mfa::PasskeyStore, &PostgresBackend::passkeys>()),
                         passkey_backend_name);
INSTANTIATE_TEST_SUITE_P(Postgres, ChallengeStoreContract,
                         (on_postgres<mfa::ChallengeStore, &PostgresBackend::webauthn_challenges>()),
                         challenge_backend_name);

TEST(PostgresMfaStores, DeletingAUserDeletesTheirFactors) {
  auto open = open_backend();
  storage::testing::expect_deleting_a_user_deletes_their_factors(*open->backend);
}

}  // namespace
}  // namespace gatehouse::storage::postgres::test
