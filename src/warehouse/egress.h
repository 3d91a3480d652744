// The egress rule of SPEC §12: an address an API client supplies (a warehouse host) is reached
// only when it is public, or inside a network the operator allowed (`serve --allow-network
// CIDR`, repeatable). A tenant can never make the server reach loopback, private, link-local or
// other special-purpose addresses, and a refusal says only that the address is not allowed —
// never whether anything answers there. Configs the operator wrote (ConnectorContext::trusted)
// are not checked.
//
// Connectors resolve the host once, check every address it resolves to, and connect to those
// checked addresses (libpq's hostaddr), so a DNS answer that changes between the check and the
// connect (rebinding) cannot bypass the rule.
//
// NetworkPolicy is immutable after it is built; every method is const and thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace wsync::warehouse {

// An IPv4 or IPv6 address; IPv4 is kept as its IPv4-mapped IPv6 form (::ffff:a.b.c.d).
struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  bool operator==(const IpAddress&) const = default;

  static bool Parse(std::string_view text, IpAddress* out);
  bool is_v4() const;
  // "10.0.0.1" or "2001:db8::1".
  std::string ToString() const;
};

struct IpNetwork {
  IpAddress base;
  int prefix = 0;  // over the 128 bits of the mapped form (an IPv4 /8 is /104 here)

  // "127.0.0.0/8", "fd00::/8", or a single address ("10.1.2.3" is /32).
  static core::StatusOr<IpNetwork> Parse(std::string_view cidr);
  bool Contains(const IpAddress& a) const;
};

// Whether `a` is a globally reachable unicast address: not unspecified, loopback, private
// (RFC 1918, fc00::/7), shared (100.64.0.0/10), link-local, multicast, documentation,
// benchmarking or reserved, and not an IPv4 address hidden in an IPv6 form (mapped, NAT64,
// 6to4) that is one of those.
bool IsPublicAddress(const IpAddress& a);

class NetworkPolicy {
 public:
  NetworkPolicy() = default;
  // InvalidArgument naming the first CIDR that does not parse ("--allow-network 'x': ...").
  static core::StatusOr<NetworkPolicy> Allowing(const std::vector<std::string>& cidrs);

  bool Allows(const IpAddress& a) const;
  // Whether `a` lies in a network the operator allowed (where plain http is accepted).
  bool InAllowedNetwork(const IpAddress& a) const;

  // The addresses `host` resolves to, every one of them allowed; PermissionDenied (reason
  // "address_not_allowed") when any is not, Unavailable when the name does not resolve. `what`
  // names the config key in messages ("config.host").
  core::StatusOr<std::vector<IpAddress>> Resolve(std::string_view host,
                                                 std::string_view what) const;

 private:
  std::vector<IpNetwork> allowed_;
};

}  // namespace wsync::warehouse
