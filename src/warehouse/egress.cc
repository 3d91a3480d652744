#include "warehouse/egress.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "warehouse/warehouse_error.h"

namespace wsync::warehouse {
namespace {

IpAddress V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddress ip;
  ip.bytes[10] = ip.bytes[11] = 0xff;
  ip.bytes[12] = a;
  ip.bytes[13] = b;
  ip.bytes[14] = c;
  ip.bytes[15] = d;
  return ip;
}

IpAddress V6(std::initializer_list<uint16_t> groups) {
  IpAddress ip;
  size_t i = 0;
  for (uint16_t g : groups) {
    ip.bytes[i++] = static_cast<uint8_t>(g >> 8);
    ip.bytes[i++] = static_cast<uint8_t>(g & 0xff);
  }
  return ip;
}

IpNetwork Net4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, int prefix) {
  return {V4(a, b, c, d), 96 + prefix};
}
IpNetwork Net6(std::initializer_list<uint16_t> groups, int prefix) { return {V6(groups), prefix}; }

// IANA's special-purpose registries (RFC 6890 and successors): nothing here is a tenant's
// warehouse on the internet.
const std::vector<IpNetwork>& SpecialNetworks() {
  static const std::vector<IpNetwork> kNets = {
      Net4(0, 0, 0, 0, 8),                  // "this network"
      Net4(10, 0, 0, 0, 8),                 // private
      Net4(100, 64, 0, 0, 10),              // shared address space (carrier-grade NAT)
      Net4(127, 0, 0, 0, 8),                // loopback
      Net4(169, 254, 0, 0, 16),             // link-local (cloud metadata endpoints live here)
      Net4(172, 16, 0, 0, 12),              // private
      Net4(192, 0, 0, 0, 24),               // IETF protocol assignments
      Net4(192, 0, 2, 0, 24),               // documentation
      Net4(192, 88, 99, 0, 24),             // 6to4 relay anycast
      Net4(192, 168, 0, 0, 16),             // private
      Net4(198, 18, 0, 0, 15),              // benchmarking
      Net4(198, 51, 100, 0, 24),            // documentation
      Net4(203, 0, 113, 0, 24),             // documentation
      Net4(224, 0, 0, 0, 4),                // multicast
      Net4(240, 0, 0, 0, 4),                // reserved, and the broadcast address
      Net6({0, 0, 0, 0, 0, 0, 0, 0}, 128),  // unspecified
      Net6({0, 0, 0, 0, 0, 0, 0, 1}, 128),  // loopback
      Net6({0x0100}, 64),                   // discard-only
      Net6({0x2001, 0x0db8}, 32),           // documentation
      Net6({0x2001, 0x0002, 0}, 48),        // benchmarking
      Net6({0xfc00}, 7),                    // unique local
      Net6({0xfe80}, 10),                   // link-local
      Net6({0xfec0}, 10),                   // site-local (deprecated)
      Net6({0xff00}, 8),                    // multicast
  };
  return kNets;
}

// The IPv4 address an IPv6 form carries, where routing would reach it: IPv4-compatible
// (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002:AABB:CCDD::/16). Mapped addresses are
// already kept in the IPv4 form.
bool EmbeddedV4(const IpAddress& a, IpAddress* v4) {
  const auto& b = a.bytes;
  const bool compat = std::all_of(b.begin(), b.begin() + 12, [](uint8_t x) { return x == 0; });
  const bool nat64 = b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
                     std::all_of(b.begin() + 4, b.begin() + 12, [](uint8_t x) { return x == 0; });
  if (compat || nat64) {
    *v4 = V4(b[12], b[13], b[14], b[15]);
    return true;
  }
  if (b[0] == 0x20 && b[1] == 0x02) {
    *v4 = V4(b[2], b[3], b[4], b[5]);
    return true;
  }
  return false;
}

}  // namespace

bool IpAddress::Parse(std::string_view text, IpAddress* out) {
  std::string s(text);
  in_addr v4;
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v4.s_addr);
    *out = V4(p[0], p[1], p[2], p[3]);
    return true;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out->bytes.data(), v6.s6_addr, 16);
    return true;
  }
  return false;
}

bool IpAddress::is_v4() const {
  return std::all_of(bytes.begin(), bytes.begin() + 10, [](uint8_t x) { return x == 0; }) &&
         bytes[10] == 0xff && bytes[11] == 0xff;
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN];
  if (is_v4()) {
    inet_ntop(AF_INET, bytes.data() + 12, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  }
  return buf;
}

core::StatusOr<IpNetwork> IpNetwork::Parse(std::string_view cidr) {
  const auto bad = [&](std::string why) {
    return core::InvalidArgument("--allow-network '" + std::string(cidr) + "': " + why +
                                 " (write a network such as 127.0.0.0/8 or fd00::/8)");
  };
  size_t slash = cidr.find('/');
  IpNetwork net;
  if (!IpAddress::Parse(cidr.substr(0, slash), &net.base)) return bad("not an IP address");
  const int bits = net.base.is_v4() ? 32 : 128;
  int prefix = bits;
  if (slash != std::string_view::npos) {
    std::string_view p = cidr.substr(slash + 1);
    if (p.empty() || p.size() > 3 ||
        !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return bad("the prefix length is not a number");
    }
    prefix = std::stoi(std::string(p));
    if (prefix > bits) return bad("the prefix length is over " + std::to_string(bits));
  }
  net.prefix = prefix + (net.base.is_v4() ? 96 : 0);
  return net;
}

bool IpNetwork::Contains(const IpAddress& a) const {
  int full = prefix / 8;
  for (int i = 0; i < full; ++i) {
    if (a.bytes[i] != base.bytes[i]) return false;
  }
  int rest = prefix % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a.bytes[full] & mask) == (base.bytes[full] & mask);
}

bool IsPublicAddress(const IpAddress& a) {
  for (const IpNetwork& n : SpecialNetworks()) {
    if (n.Contains(a)) return false;
  }
  IpAddress v4;
  if (!a.is_v4() && EmbeddedV4(a, &v4)) return IsPublicAddress(v4);
  return true;
}

core::StatusOr<NetworkPolicy> NetworkPolicy::Allowing(const std::vector<std::string>& cidrs) {
  NetworkPolicy policy;
  for (const std::string& c : cidrs) {
    ASSIGN_OR_RETURN(IpNetwork net, IpNetwork::Parse(c));
    policy.allowed_.push_back(net);
  }
  return policy;
}

bool NetworkPolicy::Allows(const IpAddress& a) const {
  for (const IpNetwork& n : allowed_) {
    if (n.Contains(a)) return true;
  }
  return IsPublicAddress(a);
}

bool NetworkPolicy::InAllowedNetwork(const IpAddress& a) const {
  for (const IpNetwork& n : allowed_) {
    if (n.Contains(a)) return true;
  }
  return false;
}

core::StatusOr<std::vector<IpAddress>> NetworkPolicy::Resolve(std::string_view host,
                                                              std::string_view what) const {
  const std::string name(host);
  const std::string refused =
      std::string(what) + " '" + name +
      "' is not an address this deployment may reach: only public addresses are, unless the "
      "operator allows a network (wsync serve --allow-network CIDR)";
  if (name.empty() || name.front() == '/' || name.front() == '@') {
    // A unix socket directory or an abstract socket: local by definition.
    return WarehouseError(core::StatusCode::kPermissionDenied, kReasonAddressNotAllowed, refused);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(name.c_str(), nullptr, &hints, &res);
  if (rc != 0) {
    return WarehouseError(
        core::StatusCode::kUnavailable, kReasonUnreachable,
        std::string(what) + " '" + name + "' does not resolve to an address (check the host name)");
  }
  std::vector<IpAddress> out;
  bool all_allowed = true;
  for (addrinfo* p = res; p != nullptr; p = p->ai_next) {
    IpAddress ip;
    if (p->ai_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(p->ai_addr);
      const auto* b = reinterpret_cast<const uint8_t*>(&sin->sin_addr.s_addr);
      ip = V4(b[0], b[1], b[2], b[3]);
    } else if (p->ai_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(p->ai_addr);
      std::memcpy(ip.bytes.data(), sin6->sin6_addr.s6_addr, 16);
    } else {
      continue;
    }
    if (!Allows(ip)) all_allowed = false;
    if (std::find(out.begin(), out.end(), ip) == out.end()) out.push_back(ip);
  }
  freeaddrinfo(res);
  if (!all_allowed || out.empty()) {
    return WarehouseError(core::StatusCode::kPermissionDenied, kReasonAddressNotAllowed, refused);
  }
  return out;
}

}  // namespace wsync::warehouse
