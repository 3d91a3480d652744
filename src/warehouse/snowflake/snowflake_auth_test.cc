#include "warehouse/snowflake/snowflake_auth.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <nlohmann/json.hpp>

namespace wsync::warehouse {
namespace {

struct TestKey {
  std::string private_pem;
  EVP_PKEY* key = nullptr;
  ~TestKey() { EVP_PKEY_free(key); }
};

std::unique_ptr<TestKey> MakeKey() {
  auto k = std::make_unique<TestKey>();
  k->key = EVP_RSA_gen(2048);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, k->key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  k->private_pem.assign(data, static_cast<size_t>(len));
  BIO_free(bio);
  return k;
}

std::string Unbase64Url(std::string s) {
  for (char& c : s) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (s.size() % 4) s += '=';
  std::string out(s.size(), '\0');
  int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  out.resize(static_cast<size_t>(n) - (s.ends_with("==") ? 2 : s.ends_with("=") ? 1 : 0));
  return out;
}

TEST(SnowflakeAuthTest, AccountNamesAreNormalisedForTokens) {
  EXPECT_EQ(JwtAccountName("myorg-acct"), "MYORG-ACCT");
  EXPECT_EQ(JwtAccountName("xy12345.us-east-1.aws"), "XY12345");
  EXPECT_EQ(Base64Url("\xfb\xff"), "-_8");
}

TEST(SnowflakeAuthTest, SignsAVerifiableTokenWithTheDocumentedClaims) {
  auto key = MakeKey();
  auto pair = SnowflakeKeyPair::Load(key->private_pem);
  ASSERT_TRUE(pair.ok()) << pair.status().ToString();
  // The fingerprint as `DESCRIBE USER` shows it: base64 of the SHA-256 of the public key's DER.
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key->key, &der);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(der, static_cast<size_t>(len), digest);
  OPENSSL_free(der);
  unsigned char b64[64];
  EVP_EncodeBlock(b64, digest, SHA256_DIGEST_LENGTH);
  const std::string fp = "SHA256:" + std::string(reinterpret_cast<char*>(b64));
  EXPECT_EQ((*pair)->fingerprint(), fp);

  auto jwt = (*pair)->Jwt("myorg-acct.eu-west-1", "wsync_user", 1700000000, 3540);
  ASSERT_TRUE(jwt.ok());
  const size_t a = jwt->find('.'), b = jwt->rfind('.');
  auto header = nlohmann::json::parse(Unbase64Url(jwt->substr(0, a)));
  auto claims = nlohmann::json::parse(Unbase64Url(jwt->substr(a + 1, b - a - 1)));
  EXPECT_EQ(header, nlohmann::json({{"alg", "RS256"}, {"typ", "JWT"}}));
  EXPECT_EQ(claims, nlohmann::json({{"iss", "MYORG-ACCT.WSYNC_USER." + fp},
                                    {"sub", "MYORG-ACCT.WSYNC_USER"},
                                    {"iat", 1700000000},
                                    {"exp", 1700003540}}));
  const std::string sig = Unbase64Url(jwt->substr(b + 1));
  const std::string input = jwt->substr(0, b);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EXPECT_EQ(EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key->key), 1);
  EXPECT_EQ(EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                             reinterpret_cast<const unsigned char*>(input.data()), input.size()),
            1);
  EVP_MD_CTX_free(ctx);
}

TEST(SnowflakeAuthTest, KeysArePastedInSeveralFormsAndBadOnesAreRefusedWithoutQuotingThem) {
  auto key = MakeKey();
  std::string escaped;
  for (char c : key->private_pem) escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
  EXPECT_TRUE(SnowflakeKeyPair::Load(escaped).ok());
  std::string body = key->private_pem.substr(key->private_pem.find('\n') + 1);
  body = body.substr(0, body.find("-----END"));
  EXPECT_TRUE(SnowflakeKeyPair::Load(body).ok());

  auto bad = SnowflakeKeyPair::Load("-----BEGIN PRIVATE KEY-----\nQUJD\n-----END PRIVATE KEY-----");
  EXPECT_EQ(bad.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().details()[0].field, "config.private_key");
  EXPECT_EQ(bad.status().message().find("QUJD"), std::string::npos);
  auto encrypted = SnowflakeKeyPair::Load(
      "-----BEGIN ENCRYPTED PRIVATE KEY-----\nQUJD\n-----END ENCRYPTED PRIVATE KEY-----");
  EXPECT_NE(encrypted.status().message().find("is an encrypted key"), std::string::npos);
}

}  // namespace
}  // namespace wsync::warehouse
