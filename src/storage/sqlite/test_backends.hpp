#pragma once
// Test support for storage_test: fresh, migrated SQLite backends for the contract suites, on
// ":memory:" and on a file in a private temporary directory.

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>

#include "storage/sqlite/sqlite_backend.hpp"

namespace gatehouse::storage::sqlite::test {

/// A directory of its own under the system temp directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "gatehouse-storage-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// A migrated backend plus the directory its file lives in (declared first: removed last).
struct OpenBackend {
  std::optional<TempDir> dir;
  std::unique_ptr<SqliteBackend> backend;
};

inline std::shared_ptr<OpenBackend> open_memory_backend() {
  auto open = std::make_shared<OpenBackend>();
  open->backend = std::make_unique<SqliteBackend>(SqliteOptions{.path = ":memory:"});
  open->backend->migrate();
  return open;
}

inline std::shared_ptr<OpenBackend> open_file_backend() {
  auto open = std::make_shared<OpenBackend>();
  open->dir.emplace();
  open->backend = std::make_unique<SqliteBackend>(
      SqliteOptions{.path = (open->dir->path() / "data" / "gatehouse.db").string()});
  open->backend->migrate();
  return open;
}

/// The store `Accessor` picks out of a fresh backend, owning that backend (aliasing shared_ptr).
template <class Store, auto Accessor>  // Accessor: &SqliteBackend::clients, ... (declared in SqlBackend)
std::shared_ptr<Store> store_of(std::shared_ptr<OpenBackend> open) {
  Store& store = (open->backend.get()->*Accessor)();
  return std::shared_ptr<Store>(std::move(open), &store);
}

}  // namespace gatehouse::storage::sqlite::test
