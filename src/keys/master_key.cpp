#include "keys/master_key.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/base64url.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "jose/openssl/crypto.hpp"

namespace gatehouse::keys {
namespace {

constexpr std::string_view kSalt = "gatehouse master key v1";
constexpr std::string_view kCheckPurpose = "key-check";

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

// Operators paste what their tool printed: base64url without padding (what Gatehouse writes) or
// standard base64 with padding (`openssl rand -base64 32`). Mixing the two alphabets is refused.
std::string decode_key_text(const std::string& text, const std::string& where) {
  auto raw = base64_either_decode(trim(text));
  if (!raw || raw->size() != kMasterKeySize)
    throw StartupError(where +
                       ": the master key must be exactly 32 bytes as base64url (no padding) or standard base64 "
                       "(e.g. the output of `openssl rand -base64 32`)");
  return *raw;
}

std::optional<std::string> read_key_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return std::nullopt;
    throw StartupError("keys.master_key_file: cannot read " + path + ": " + std::strerror(errno));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
    spdlog::warn("master key file {} is readable by group or others; run: chmod 600 {}", path, path);
  return ss.str();
}

/// Writes the key to a private temporary file and links it into place: link() fails if the name
/// exists, so two processes starting together cannot both install a key, and the loser reads the
/// winner's complete file (never a half-written one). @returns the key text now in the file.
std::string create_key_file(const std::string& path) {
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) throw StartupError("keys.master_key_file: cannot create folder " + parent.string() + ": " + ec.message());
  std::string text = base64url_encode(jose::random_bytes(kMasterKeySize)) + "\n";
  std::string tmp = path + ".tmp-" + jose::random_token(6);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw StartupError("keys.master_key_file: cannot create " + tmp + ": " + std::strerror(errno));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    throw StartupError("keys.master_key_file: cannot write " + tmp);
  }
  const bool linked = ::link(tmp.c_str(), path.c_str()) == 0;
  const int link_errno = errno;
  ::unlink(tmp.c_str());
  if (!linked) {
    if (link_errno == EEXIST) {
      auto existing = read_key_file(path);
      if (existing) return *existing;
    }
    throw StartupError("keys.master_key_file: cannot create " + path + ": " + std::strerror(link_errno));
  }
  spdlog::info("created a new master key in {} (mode 0600); every node of a cluster needs this same key", path);
  return text;
}

}  // namespace

MasterKey::MasterKey(std::string raw) : raw_(std::move(raw)) {
  if (raw_.reveal().size() != kMasterKeySize) throw StartupError("the master key must be 32 bytes");
}

KeyBytes MasterKey::derive(std::string_view purpose) const {
  return KeyBytes(jose::hkdf_sha256(raw_.reveal(), kSalt, std::string("gatehouse/v1/").append(purpose), 32));
}

std::string MasterKey::check_value() const {
  return base64url_encode(jose::hmac_sha256(derive(kCheckPurpose).reveal(), "gatehouse master key check"));
}

MasterKey load_master_key(const MasterKeySource& source, KeyStore& store) {
  auto stored = store.key_check();
  std::string raw;
  std::string where;
  if (!source.inline_text.empty()) {
    where = "keys.master_key (GATEHOUSE_KEYS_MASTER_KEY)";
    raw = decode_key_text(source.inline_text.reveal(), where);
  } else {
    if (source.file.empty()) throw StartupError("keys.master_key_file: no master key configured");
    where = "keys.master_key_file " + source.file;
    auto text = read_key_file(source.file);
    if (!text) {
      if (stored)
        throw StartupError(where + " does not exist, but the database was created with a master key: "
                           "copy that key file here (a new key could not read the stored keys)");
      text = create_key_file(source.file);
    }
    raw = decode_key_text(*text, where);
  }
  MasterKey key(std::move(raw));
  auto mine = key.check_value();
  auto agreed = stored ? *stored : store.set_key_check_if_absent(mine);
  if (!jose::constant_time_equal(agreed, mine))
    throw StartupError("the master key (" + where + ") does not match the one this database was created with; "
                       "start with the cluster's master key");
  return key;
}

}  // namespace gatehouse::keys
