// Multi-factor store contracts on SQLite (":memory:" and a file): TOTP factors, recovery codes,
// passkeys, WebAuthn challenges; and what deleting a user does to their factors.
#include "mfa/testing/challenge_store_contract.hpp"
#include "mfa/testing/passkey_store_contract.hpp"
#include "mfa/testing/recovery_code_store_contract.hpp"
#include "mfa/testing/totp_store_contract.hpp"

#include "storage/sqlite/test_backends.hpp"
#include "storage/testing/user_factors.hpp"

namespace gatehouse::storage::sqlite::test {
namespace {

using namespace mfa::testing;

/// The ":memory:" and file variants of the store `Accessor` picks.
template <class Store, auto Accessor>
auto both_backends() {
  using Backend = contract::StoreBackend<Store>;
  return ::testing::Values(Backend{"Memory", [] { return store_of<Store, Accessor>(open_memory_backend()); }},
                           Backend{"File", [] { return store_of<Store, Accessor>(open_file_backend()); }});
}

INSTANTIATE_TEST_SUITE_P(Sqlite, TotpStoreContract, (both_backends<mfa::TotpStore, &SqliteBackend::totp>()),
                         totp_backend_name);
INSTANTIATE_TEST_SUITE_P(Sqlite, RecoveryCodeStoreContract,
                         (both_backends<mfa::RecoveryCodeStore, &SqliteBackend::recovery_codes>()),
                         recovery_code_backend_name);
INSTANTIATE_TEST_SUITE_P(Sqlite, PasskeyStoreContract, (both_backends<mfa::PasskeyStore, &SqliteBackend::passkeys>()),
                         passkey_backend_name);
INSTANTIATE_TEST_SUITE_P(Sqlite, ChallengeStoreContract,
                         (both_backends<mfa::ChallengeStore, &SqliteBackend::webauthn_challenges>()),
                         challenge_backend_name);

TEST(SqliteMfaStores, DeletingAUserDeletesTheirFactors) {
  auto open = open_file_backend();
  storage::testing::expect_deleting_a_user_deletes_their_factors(*open->backend);
}

}  // namespace
}  // namespace gatehouse::storage::sqlite::test
