#include "warehouse/egress.h"

#include <gtest/gtest.h>

#include "warehouse/warehouse_error.h"

namespace wsync::warehouse {
namespace {

IpAddress Ip(const char* text) {
  IpAddress a;
  EXPECT_TRUE(IpAddress::Parse(text, &a)) << text;
  return a;
}

TEST(EgressTest, SpecialPurposeAddressesAreNotPublic) {
  for (const char* a : {"127.0.0.1",
                        "127.255.0.9",
                        "10.1.2.3",
                        "172.16.0.1",
                        "172.31.255.255",
                        "192.168.1.1",
                        "169.254.169.254",
                        "100.64.0.1",
                        "0.0.0.0",
                        "224.0.0.1",
                        "255.255.255.255",
                        "192.0.2.5",
                        "198.18.0.1",
                        "::1",
                        "::",
                        "fe80::1",
                        "fd00::1",
                        "fc00::5",
                        "ff02::1",
                        "2001:db8::1",
                        "::ffff:127.0.0.1",
                        "::ffff:10.0.0.1",
                        "64:ff9b::a9fe:a9fe",
                        "2002:7f00:1::1",
                        "::7f00:1"}) {
    EXPECT_FALSE(IsPublicAddress(Ip(a))) << a;
  }
  for (const char* a : {"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700::1111",
                        "::ffff:8.8.8.8", "64:ff9b::808:808"}) {
    EXPECT_TRUE(IsPublicAddress(Ip(a))) << a;
  }
}

TEST(EgressTest, AllowedNetworksAddToThePublicOnes) {
  auto policy = NetworkPolicy::Allowing({"127.0.0.0/8", "fd00::/8", "10.1.2.3"});
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  EXPECT_TRUE(policy->Allows(Ip("127.0.0.1")));
  EXPECT_TRUE(policy->Allows(Ip("::ffff:127.0.0.2")));
  EXPECT_TRUE(policy->Allows(Ip("fd12::1")));
  EXPECT_TRUE(policy->Allows(Ip("10.1.2.3")));
  EXPECT_FALSE(policy->Allows(Ip("10.1.2.4")));
  EXPECT_FALSE(policy->Allows(Ip("::1")));
  EXPECT_FALSE(policy->Allows(Ip("169.254.169.254")));
  EXPECT_TRUE(policy->Allows(Ip("8.8.8.8")));
  EXPECT_FALSE(NetworkPolicy().Allows(Ip("127.0.0.1")));
}

TEST(EgressTest, BadNetworksAreRefusedByName) {
  for (const char* bad : {"localhost", "127.0.0.0/33", "::/129", "10.0.0.0/x", "10.0.0.0/"}) {
    auto p = NetworkPolicy::Allowing({bad});
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.status().code(), core::StatusCode::kInvalidArgument);
    EXPECT_NE(p.status().message().find(std::string("--allow-network '") + bad + "'"),
              std::string::npos)
        << p.status().message();
  }
}

TEST(EgressTest, ResolveChecksEveryAddressOfTheName) {
  NetworkPolicy public_only;
  for (const char* host : {"localhost", "127.0.0.1", "::1", "/var/run/postgresql", "10.0.0.1"}) {
    auto r = public_only.Resolve(host, "config.host");
    ASSERT_FALSE(r.ok()) << host;
    EXPECT_EQ(r.status().code(), core::StatusCode::kPermissionDenied) << host;
    EXPECT_EQ(WarehouseReason(r.status()), kReasonAddressNotAllowed);
    EXPECT_EQ(r.status().message(),
              std::string("config.host '") + host +
                  "' is not an address this deployment may reach: only public addresses are, "
                  "unless the operator allows a network (wsync serve --allow-network CIDR)");
  }
  auto loopback = NetworkPolicy::Allowing({"127.0.0.0/8"});
  ASSERT_TRUE(loopback.ok());
  auto r = loopback->Resolve("127.0.0.1", "config.host");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].ToString(), "127.0.0.1");
  // "localhost" may also resolve to ::1, which 127.0.0.0/8 does not allow.
  auto both = NetworkPolicy::Allowing({"127.0.0.0/8", "::1/128"});
  ASSERT_TRUE(both.ok());
  auto local = both->Resolve("localhost", "config.host");
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  EXPECT_FALSE(local->empty());
  auto missing = both->Resolve("no-such-host.invalid", "config.host");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), core::StatusCode::kUnavailable);
  EXPECT_EQ(WarehouseReason(missing.status()), kReasonUnreachable);
}

}  // namespace
}  // namespace wsync::warehouse
