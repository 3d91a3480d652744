// The server's log: one line per event on stderr, "2024-01-31T10:00:00.250Z INFO message".
// Callers never pass secrets, tokens, request bodies or query strings (they may hold personal
// data). Thread-safe (each line is one write).
#pragma once

#include <string>

namespace wsync::api {

void LogInfo(const std::string& message);
void LogError(const std::string& message);

}  // namespace wsync::api
