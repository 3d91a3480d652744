#include "api/log.h"

#include <unistd.h>

#include "core/time.h"

namespace wsync::api {

namespace {

void Write(const char* level, const std::string& message) {
  std::string line = core::FormatTimestamp(core::SystemClock::Default()->NowMicros()) + " " +
                     level + " " + message + "\n";
  // One write(2) per line keeps lines from different threads whole.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace

void LogInfo(const std::string& message) { Write("INFO", message); }
void LogError(const std::string& message) { Write("ERROR", message); }

}  // namespace wsync::api
