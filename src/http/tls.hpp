#pragma once
// TLS on the node itself (server.tls_cert_file / tls_key_file), for deployments that do not
// terminate TLS at the balancer. The certificate chain and key are loaded into an immutable SSL
// context; reload() (SIGHUP) builds a new one from the files and swaps it in only if the pair is
// valid, so a bad file never replaces the working certificate. Connections keep the context they
// started with.

#include <memory>
#include <mutex>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace gatehouse::http {

class TlsCertificates {
 public:
  /// Loads the pair. @throws StartupError naming the file and the reason when it does not load.
  TlsCertificates(std::string cert_file, std::string key_file);
  ~TlsCertificates();

  /// Loads the files again. @returns true if the new pair replaced the current one; false (and the
  /// current one stays, with the reason logged) if it does not load or does not match.
  bool reload();
  /// The context new connections use. Thread safety: any thread.
  std::shared_ptr<boost::asio::ssl::context> current() const;
  /// SHA-256 fingerprint (hex) of the current leaf certificate, for logs.
  std::string fingerprint() const;

 private:
  std::string cert_file_;
  std::string key_file_;
  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> current_;  // guarded by mutex_
  std::string fingerprint_;                             // guarded by mutex_
};

}  // namespace gatehouse::http
