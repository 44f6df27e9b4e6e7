// gatehouse: the executable. The command line itself is app/cli/main.cpp.

#include "app/cli/commands.hpp"

int main(int argc, char** argv) { return gatehouse::app::cli::main(argc, argv); }
