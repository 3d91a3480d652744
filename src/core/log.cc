#include "core/log.h"

#include <unistd.h>

#include "core/time.h"
#include "core/utf8.h"

namespace wsync::core {

namespace {

void Write(const char* level, const std::string& message) {
  std::string line = FormatTimestamp(SystemClock::Default()->NowMicros()) + " " + level + " " +
                     EscapeForLog(message) + "\n";
  // One write(2) per line keeps lines from different threads whole.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace

std::string EscapeForLog(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string valid = ToValidUtf8(text);
  std::string out;
  out.reserve(valid.size());
  for (char ch : valid) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += ch;
        }
    }
  }
  return out;
}

void LogInfo(const std::string& message) { Write("INFO", message); }
void LogError(const std::string& message) { Write("ERROR", message); }

}  // namespace wsync::core
