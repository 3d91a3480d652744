// Who holds a run's lease: one name per process, "HOST:PID:NONCE", and whether the process a name
// stands for is known to be dead. A lease expires after its time unless renewed; a holder on
// this host whose process is gone is dead at once (kill -9 of a server frees its runs without
// waiting). A holder on another host, or one whose pid now belongs to another process, is
// dead only when its lease expires. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace wsync::runner {

// This process's name, made once.
const std::string& ThisProcessOwner();

// True only when `owner` names a process of this host that no longer exists.
bool OwnerIsDead(std::string_view owner);

}  // namespace wsync::runner
