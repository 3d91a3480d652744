#include "core/secret_box.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "testing/sealed_v1.h"
#include "testing/temp_dir.h"

namespace wsync::core {
namespace {

constexpr char kHexKey[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

TEST(SecretBoxTest, SealsAndOpens) {
  auto box = SecretBox::FromKeyText(kHexKey);
  ASSERT_TRUE(box.ok()) << box.status().ToString();
  std::string sealed = (*box)->Seal("hunter2", "ctx");
  EXPECT_TRUE(SecretBox::IsSealed(sealed));
  EXPECT_TRUE(sealed.starts_with("sealed:v2:")) << sealed;
  EXPECT_EQ(sealed.find("hunter2"), std::string::npos);
  EXPECT_NE(sealed, (*box)->Seal("hunter2", "ctx"));  // fresh nonce each time
  auto opened = (*box)->Open(sealed, "ctx");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, "hunter2");
}

TEST(SecretBoxTest, RefusesOtherKeyAndDamage) {
  auto a = SecretBox::FromKeyText(kHexKey);
  // The same 32 bytes as base64 open what the hex key sealed.
  auto same = SecretBox::FromKeyText("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
  auto other = SecretBox::FromKeyText(std::string(64, 'f'));
  ASSERT_TRUE(a.ok() && same.ok() && other.ok());
  std::string sealed = (*a)->Seal("pw", "ctx");
  EXPECT_EQ(*(*same)->Open(sealed, "ctx"), "pw");
  EXPECT_EQ((*other)->Open(sealed, "ctx").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ((*a)->Open("plain", "ctx").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*a)->Open("sealed:v1:!!", "ctx").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*a)->Open("sealed:v2:!!", "ctx").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*a)->Open("sealed:v9:AAAA", "ctx").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SecretBox::FromKeyText("abc").status().code(), StatusCode::kInvalidArgument);
}

// Found by fuzz/secret_box_fuzz (regression input empty-base64): the prefix alone handed a null
// buffer to libsodium (UBSan "null pointer passed as argument 1").
TEST(SecretBoxTest, PrefixWithoutPayloadIsDamaged) {
  auto box = SecretBox::FromKeyText(kHexKey);
  ASSERT_TRUE(box.ok());
  for (const char* empty : {"sealed:v1:", "sealed:v2:"}) {
    auto opened = (*box)->Open(empty, "");
    EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument) << empty;
    EXPECT_EQ(opened.status().message(), "sealed value is damaged");
  }
}

// F10: the context (workspace, resource, key) is associated data; a value opens under no other.
TEST(SecretBoxTest, OpensOnlyUnderItsContext) {
  auto box = SecretBox::FromKeyText(kHexKey);
  ASSERT_TRUE(box.ok());
  std::string sealed = (*box)->Seal("pw", "ws1/conn/pg/password");
  EXPECT_EQ(*(*box)->Open(sealed, "ws1/conn/pg/password"), "pw");
  for (const char* other : {"ws2/conn/pg/password", "ws1/conn/pg2/password", ""}) {
    auto opened = (*box)->Open(sealed, other);
    EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition) << other;
    EXPECT_NE(opened.status().message().find("copied from another workspace"), std::string::npos);
  }
}

// Values sealed by earlier versions (crypto_secretbox, no context) still open, under any context.
TEST(SecretBoxTest, OpensVersionOneValues) {
  std::array<unsigned char, SecretBox::kKeyBytes> key{};
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<unsigned char>(i);  // kHexKey
  const std::string plain = "\"old-pw\"";
  std::string v1 = testing::SealV1(key, plain);
  SecretBox box(key);
  EXPECT_TRUE(SecretBox::IsSealed(v1));
  EXPECT_FALSE(SecretBox::IsCurrent(v1));
  EXPECT_EQ(*box.Open(v1, "any"), plain);
}

TEST(SecretBoxTest, CreatesKeyFileOnce) {
  testing::TempDir dir;
  unsetenv("WSYNC_SECRET_KEY");
  auto first = SecretBox::LoadOrCreate(dir.path());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  struct stat st;
  ASSERT_EQ(stat(dir.File("secret.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  auto second = SecretBox::LoadOrCreate(dir.path());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*(*second)->Open((*first)->Seal("x", "c"), "c"), "x");
}

TEST(SecretBoxTest, EnvironmentKeyWins) {
  testing::TempDir dir;
  setenv("WSYNC_SECRET_KEY", kHexKey, 1);
  auto box = SecretBox::LoadOrCreate(dir.path());
  unsetenv("WSYNC_SECRET_KEY");
  ASSERT_TRUE(box.ok());
  auto ref = SecretBox::FromKeyText(kHexKey);
  EXPECT_EQ(*(*ref)->Open((*box)->Seal("y", "c"), "c"), "y");
  struct stat st;
  EXPECT_NE(stat(dir.File("secret.key").c_str(), &st), 0);
  setenv("WSYNC_SECRET_KEY", "nope", 1);
  auto bad = SecretBox::LoadOrCreate(dir.path());
  unsetenv("WSYNC_SECRET_KEY");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("WSYNC_SECRET_KEY"), std::string::npos);
}

}  // namespace
}  // namespace wsync::core
