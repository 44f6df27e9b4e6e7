// libFuzzer target for the start-up configuration (src/app/config: toml++ parsing in loader.cpp,
// the schema's value syntax in values.cpp, the checks in validators.cpp, render.cpp): a TOML file
// and GATEHOUSE_<SECTION>_<KEY> variables loaded as the node loads them at start. Any input must
// give a configuration or one line per problem, never a crash, a sanitizer report, a leak or a
// hang; and what loads must load again from its own rendering (`gatehouse config check` prints
// TOML that "loads back to the same configuration") and render the same. Built and run by
// scripts/fuzz.
//
// The input is the file's text; after a zero byte, if there is one, come environment variables,
// one NAME=value a line.

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "app/config/config.hpp"

namespace {

using namespace gatehouse::app;

/// The file the loader reads: an anonymous memory file, rewritten for every input.
class MemoryFile {
 public:
  MemoryFile() : fd_(memfd_create("gatehouse-config", 0)) {
    if (fd_ < 0) __builtin_trap();
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  const std::string& write(std::string_view text) {
    if (ftruncate(fd_, 0) != 0 || pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
      __builtin_trap();
    return path_;
  }

 private:
  int fd_;
  std::string path_;
};

std::map<std::string, std::string> environment(std::string_view lines) {
  std::map<std::string, std::string> env;
  while (!lines.empty()) {
    const auto end = std::min(lines.find('\n'), lines.size());
    const auto line = lines.substr(0, end);
    lines.remove_prefix(std::min(end + 1, lines.size()));
    const auto eq = line.find('=');
    if (eq != std::string_view::npos) env[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
  }
  return env;
}

/// render() without its header (the second line names the source file).
std::string keys_of(const std::string& rendered) { return rendered.substr(std::min(rendered.find("\n["), rendered.size())); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static MemoryFile file;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto zero = input.find('\0');
  const auto text = input.substr(0, zero);
  const auto env = environment(zero == std::string_view::npos ? std::string_view() : input.substr(zero + 1));

  auto loaded = config::load(file.write(text), env);
  if (!loaded) {
    if (loaded.error().empty()) __builtin_trap();
    return 0;
  }
  const auto rendered = config::render(*loaded);
  (void)config::render_cluster_wide(*loaded);
  // Secrets are left out of the rendering (a comment, or a URL's password as "<redacted>"): only a
  // configuration without any can come back whole.
  if (rendered.find("<redacted>") != std::string::npos) return 0;
  auto again = config::load(file.write(rendered), {});
  if (!again) __builtin_trap();
  if (keys_of(config::render(*again)) != keys_of(rendered)) __builtin_trap();
  return 0;
}
