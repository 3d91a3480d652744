// The process's log: one line per event on stderr, "2024-01-31T10:00:00.250Z INFO message".
// Callers never pass secrets, tokens, request bodies or query strings (they may hold personal
// data). Every message is passed through EscapeForLog, so text a client chose (a path, a
// warehouse error quoting a config value) can never start a forged line. Thread-safe (each line
// is one write).
#pragma once

#include <string>
#include <string_view>

namespace wsync::core {

// `text` made safe for one log line: control characters (newline, CR, tab, ESC, DEL...) as \n,
// \r, \t or \xNN, a backslash doubled, and ill-formed UTF-8 replaced by U+FFFD.
std::string EscapeForLog(std::string_view text);

void LogInfo(const std::string& message);
void LogError(const std::string& message);

}  // namespace wsync::core
