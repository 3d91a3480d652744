// The reserved identity names of SPEC §4, in their default priority order: user identities
// first (mpid, customer_id, email, ...), then device identities. Immutable tables; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wsync::mapping {

struct IdentityType {
  std::string_view name;  // canonical, lower-case ("customer_id")
  int priority;           // index in the priority order; 0 = mpid, smaller wins
  bool device;            // a device identity (device_info.<type>)
};

// Every reserved identity, ordered by priority.
const std::vector<IdentityType>& IdentityTypes();
// Case-insensitive lookup; "customerid" is an alias of customer_id. nullptr when not reserved.
const IdentityType* FindIdentityType(std::string_view name);
const IdentityType& IdentityTypeAt(int priority);

// Normalised identity value (SPEC §6): emails trimmed and lower-cased, others trimmed.
std::string NormalizeIdentity(const IdentityType& type, std::string_view raw);
// The same, written into `out` so a caller mapping many rows can reuse its capacity.
void NormalizeIdentityTo(const IdentityType& type, std::string_view raw, std::string* out);

}  // namespace wsync::mapping
