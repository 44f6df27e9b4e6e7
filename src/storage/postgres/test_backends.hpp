#pragma once
// Test support for storage_postgres_test: fresh, migrated PostgresBackends, each on a schema of
// its own (created by the backend, dropped when the test lets go of it), on the server named by
// GATEHOUSE_TEST_POSTGRES_URL (scripts/lib/postgres.sh starts a throw-away one).

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <random>
#include <string>

#include <unistd.h>

#include "storage/postgres/connection.hpp"
#include "storage/postgres/postgres_backend.hpp"

namespace gatehouse::storage::postgres::test {

/// GATEHOUSE_TEST_POSTGRES_URL, or "" when it is not set.
inline std::string server_url() {
  const char* url = std::getenv("GATEHOUSE_TEST_POSTGRES_URL");
  return url != nullptr ? url : "";
}

/// The test server's URL with one more parameter (`key=value`).
inline std::string server_url_with(const std::string& parameter) {
  const std::string url = server_url();
  return url + (url.find('?') == std::string::npos ? "?" : "&") + parameter;
}

/// A schema name no other test (in this or another process) uses.
inline std::string fresh_schema_name() {
  static std::atomic<unsigned> counter{0};
  static const unsigned salt = std::random_device{}();
  return "gh_test_" + std::to_string(getpid()) + "_" + std::to_string(salt % 100000) + "_" +
         std::to_string(counter.fetch_add(1));
}

/// A connection of the test's own, outside any backend (to look at the server as another process
/// would). `schema` empty: the server's default search_path.
inline std::unique_ptr<Connection> raw_connection(const std::string& schema = "") {
  ConnectionSpec spec;
  spec.url = DatabaseUrl(server_url());
  spec.label = describe_server(spec.url);
  if (!schema.empty()) spec.search_path = quote_identifier(schema);
  return std::make_unique<Connection>(spec);
}

/// A backend plus the schema it lives in, dropped (with everything in it) after the backend.
struct OpenBackend {
  std::string schema;
  std::unique_ptr<PostgresBackend> backend;

  OpenBackend() = default;
  OpenBackend(const OpenBackend&) = delete;
  OpenBackend& operator=(const OpenBackend&) = delete;
  ~OpenBackend() {
    backend.reset();
    if (schema.empty()) return;
    try {
      raw_connection()->exec_script("drop the test schema", "DROP SCHEMA IF EXISTS " + quote_identifier(schema) + " CASCADE");
    } catch (const std::exception& e) {
      std::cerr << "storage_postgres_test: cannot drop schema " << schema << ": " << e.what() << "\n";
    }
  }
};

/// A backend on a fresh schema; migrated unless told otherwise.
inline std::shared_ptr<OpenBackend> open_backend(bool migrate = true, PostgresOptions options = {}) {
  auto open = std::make_shared<OpenBackend>();
  if (options.url.empty()) options.url = DatabaseUrl(server_url());
  if (options.schema.empty()) options.schema = fresh_schema_name();
  open->schema = options.schema;
  open->backend = std::make_unique<PostgresBackend>(options);
  if (migrate) open->backend->migrate();
  return open;
}

/// The store `Accessor` picks out of a fresh backend, owning that backend (aliasing shared_ptr).
template <class Store, auto Accessor>  // Accessor: &PostgresBackend::clients, ... (declared in SqlBackend)
std::shared_ptr<Store> store_of(std::shared_ptr<OpenBackend> open) {
  Store& store = (open->backend.get()->*Accessor)();
  return std::shared_ptr<Store>(std::move(open), &store);
}

}  // namespace gatehouse::storage::postgres::test
