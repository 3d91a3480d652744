#include "warehouse/bigquery/bigquery_auth.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "warehouse/http/base64.h"

namespace wsync::warehouse {
namespace {

struct TestKey {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  std::string pem;
  TestKey() {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    pem.assign(data, static_cast<size_t>(len));
    BIO_free(bio);
  }
  ~TestKey() { EVP_PKEY_free(key); }
};

std::string Unbase64Url(std::string s) {
  for (char& c : s) c = c == '-' ? '+' : c == '_' ? '/' : c;
  std::string out;
  EXPECT_TRUE(Base64Decode(s, &out)) << s;
  return out;
}

nlohmann::json KeyFile(const std::string& pem) {
  return {{"type", "service_account"},
          {"project_id", "acme-analytics"},
          {"private_key_id", "0123abcd"},
          {"private_key", pem},
          {"client_email", "wsync@acme-analytics.iam.gserviceaccount.com"},
          {"token_uri", "https://oauth2.googleapis.com/token"}};
}

TEST(BigQueryAuthTest, TheAssertionCarriesGooglesClaimsAndAVerifiableSignature) {
  TestKey k;
  auto key = ReadServiceAccountKey(KeyFile(k.pem).dump());  // the file's text, as pasted
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->client_email, "wsync@acme-analytics.iam.gserviceaccount.com");
  EXPECT_EQ(key->project_id, "acme-analytics");
  auto jwt = GoogleAssertion(*key, kGoogleTokenUrl, 1700000000);
  ASSERT_TRUE(jwt.ok());
  const size_t a = jwt->find('.'), b = jwt->rfind('.');
  EXPECT_EQ(nlohmann::json::parse(Unbase64Url(jwt->substr(0, a))),
            nlohmann::json({{"alg", "RS256"}, {"typ", "JWT"}, {"kid", "0123abcd"}}));
  EXPECT_EQ(nlohmann::json::parse(Unbase64Url(jwt->substr(a + 1, b - a - 1))),
            nlohmann::json({{"iss", "wsync@acme-analytics.iam.gserviceaccount.com"},
                            {"scope", "https://www.googleapis.com/auth/bigquery"},
                            {"aud", "https://oauth2.googleapis.com/token"},
                            {"iat", 1700000000},
                            {"exp", 1700003600}}));
  const std::string sig = Unbase64Url(jwt->substr(b + 1));
  const std::string input = jwt->substr(0, b);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EXPECT_EQ(EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, k.key), 1);
  EXPECT_EQ(EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                             reinterpret_cast<const unsigned char*>(input.data()), input.size()),
            1);
  EVP_MD_CTX_free(ctx);
  EXPECT_EQ(PercentEncode("urn:ietf:a b/c~"), "urn%3Aietf%3Aa%20b%2Fc~");
}

TEST(BigQueryAuthTest, BadKeysAreRefusedWithoutQuotingThem) {
  const auto field_of = [](const nlohmann::json& v) {
    auto k = ReadServiceAccountKey(v);
    EXPECT_EQ(k.status().code(), core::StatusCode::kInvalidArgument);
    return k.status().details().empty() ? std::string() : k.status().details()[0].field;
  };
  EXPECT_EQ(field_of("{not json"), "config.service_account_key");
  nlohmann::json user = KeyFile("x");
  user["type"] = "authorized_user";
  EXPECT_EQ(field_of(user), "config.service_account_key");
  auto bad = ReadServiceAccountKey(
      KeyFile("-----BEGIN PRIVATE KEY-----\\nQUJDRA==\\n-----END PRIVATE KEY-----\\n"));
  EXPECT_EQ(bad.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message().find("QUJDRA"), std::string::npos) << bad.status().message();
}

}  // namespace
}  // namespace wsync::warehouse
