#pragma once
// Logging goes through spdlog's default logger, set up once by app/. Never pass a Secret, a token,
// a password or an Authorization header to a log call (C9); Secret<> makes that a compile error.

#include <spdlog/spdlog.h>
