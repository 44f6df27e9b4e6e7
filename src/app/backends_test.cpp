// The database URL on its way from the config to libpq: a Secret throughout, and whatever goes
// wrong with it (a server that does not answer, a URL libpq cannot read), the message names the
// server without the password.

#include "app/backends.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <type_traits>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "storage/postgres/postgres_backend.hpp"

namespace gatehouse::app {
namespace {

constexpr std::string_view kPassword = "pw-db-never-shown-0042";

/// The message open_backend throws for `url`, or "" if it does not throw.
std::string failure_of(const std::string& url) {
  config::Config c;
  c.database.url = DatabaseUrl(url);
  c.database.busy_timeout = std::chrono::milliseconds(2000);
  try {
    open_backend(c, 1);
  } catch (const StorageError& e) {
    return e.what();
  }
  return {};
}

TEST(Backends, ThePostgresUrlReachesTheBackendAsASecret) {
  static_assert(std::is_same_v<decltype(config::DatabaseConfig::url), DatabaseUrl>);
  static_assert(std::is_same_v<decltype(storage::postgres::PostgresOptions::url), DatabaseUrl>);
}

TEST(Backends, ABadPostgresUrlNeverEchoesItsPassword) {
  const std::string password(kPassword);
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  auto refused = failure_of("postgresql://alice:" + password + "@127.0.0.1:1/gatehouse");
  ASSERT_FALSE(refused.empty());
  EXPECT_EQ(refused.find(password), std::string::npos) << refused;
  EXPECT_NE(refused.find("alice@127.0.0.1:1/gatehouse"), std::string::npos) << "the server is named: " << refused;
  // URLs libpq cannot read (its own message would quote them), and a port it refuses.
  for (const auto& url : {"postgresql://alice:%zz" + password + "@127.0.0.1/x", "postgresql://alice:" + password + "@127.0.0.1:99999/x",
                          "postgresql://alice:" + password + "@127.0.0.1:1/x?sslmode=nonsense"}) {
    const auto message = failure_of(url);
    ASSERT_FALSE(message.empty()) << "refused";
    EXPECT_EQ(message.find(password), std::string::npos) << message;
  }
}

}  // namespace
}  // namespace gatehouse::app
