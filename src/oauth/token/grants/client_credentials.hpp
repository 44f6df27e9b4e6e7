#pragma once
// The client_credentials grant (RFC 6749 §4.4).

#include "oauth/token/grant_table.hpp"

namespace gatehouse::oauth {

/// The table entry: issues a self-contained RFC 9068 access token for the client itself and writes
/// nothing to the store, so it may run on the I/O thread.
Grant client_credentials_grant();

}  // namespace gatehouse::oauth
