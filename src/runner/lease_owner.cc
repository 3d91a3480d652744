#include "runner/lease_owner.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <random>

namespace wsync::runner {

namespace {

std::string HostName() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "localhost";
  return host;
}

}  // namespace

const std::string& ThisProcessOwner() {
  static const std::string owner = [] {
    std::random_device rd;
    char nonce[17];
    std::snprintf(nonce, sizeof nonce, "%08x%08x", rd(), rd());
    return HostName() + ":" + std::to_string(getpid()) + ":" + nonce;
  }();
  return owner;
}

bool OwnerIsDead(std::string_view owner) {
  // HOST:PID:NONCE; the host may itself hold colons only in theory (hostnames do not).
  const size_t first = owner.find(':');
  const size_t second = owner.find(':', first + 1);
  if (first == std::string_view::npos || second == std::string_view::npos) return false;
  if (owner.substr(0, first) != HostName()) return false;
  const std::string_view pid_text = owner.substr(first + 1, second - first - 1);
  pid_t pid = 0;
  auto r = std::from_chars(pid_text.data(), pid_text.data() + pid_text.size(), pid);
  if (r.ec != std::errc() || r.ptr != pid_text.data() + pid_text.size() || pid <= 0) return false;
  if (owner == ThisProcessOwner()) return false;
  if (pid == getpid()) return true;  // an earlier process that had our pid
  return kill(pid, 0) != 0 && errno == ESRCH;
}

}  // namespace wsync::runner
