// gatehouse: the executable. The command line itself is app/cli/main.cpp.

#include <csignal>

#include "app/cli/commands.hpp"
#include "directory/connection.hpp"

int main(int argc, char** argv) {
  // A write to a connection the peer closed must be an error the caller handles (EPIPE), not the
  // end of the process: hiredis writes with plain write(2), and a Redis that answers an error and
  // closes (maxclients, protected mode) would otherwise kill the node on the next command. The
  // HTTP server and libpq avoid the signal themselves; this covers every library at once.
  std::signal(SIGPIPE, SIG_IGN);
  gatehouse::directory::initialise();  // libldap's global state, before any thread
  return gatehouse::app::cli::main(argc, argv);
}
