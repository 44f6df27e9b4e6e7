#pragma once
// Infrastructure faults (C7): thrown, caught only at the request boundary, the job runner and the
// command line. Expected outcomes (bad input, unknown client) are Result values instead.

#include <stdexcept>
#include <string>

namespace gatehouse {

/// The store cannot be reached or a statement failed for a reason other than the data.
/// Mapped to 503 at the HTTP boundary; the message is logged, never sent to the client.
class StorageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A cryptographic primitive failed (OpenSSL error queue drained into the message).
class CryptoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Start-up cannot continue (bad configuration, wrong master key, ...). The message is for the
/// operator and names what to fix; the command line prints it and exits with a non-zero code.
class StartupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace gatehouse
