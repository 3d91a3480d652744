#include "catalog/secrets.h"

#include <gtest/gtest.h>

namespace wsync::catalog {
namespace {

using nlohmann::json;

std::unique_ptr<core::SecretBox> Box() {
  return std::move(*core::SecretBox::FromKeyText(std::string(64, 'a')));
}

TEST(SecretsTest, SealsRevealsAndMasks) {
  auto box = Box();
  json config = {{"host", "h"}, {"password", "pw"}};
  ASSERT_TRUE(SealSecrets("postgres", &config, nullptr, box.get()).ok());
  EXPECT_EQ(config["host"], "h");
  ASSERT_TRUE(core::SecretBox::IsSealed(config["password"].get<std::string>()));
  Connection c{"c", "", "postgres", config};
  auto revealed = RevealConfig(c, box.get());
  ASSERT_TRUE(revealed.ok());
  EXPECT_EQ((*revealed)["password"], "pw");
  EXPECT_EQ(MaskSecrets("postgres", config)["password"], "********");
  EXPECT_EQ(MaskSecrets("sqlite", json{{"path", "/x"}})["path"], "/x");
}

TEST(SecretsTest, MaskKeepsAndSameValueKeepsSealedForm) {
  auto box = Box();
  json old = {{"password", "pw"}};
  ASSERT_TRUE(SealSecrets("postgres", &old, nullptr, box.get()).ok());
  json masked = {{"password", "********"}};
  ASSERT_TRUE(SealSecrets("postgres", &masked, &old, box.get()).ok());
  EXPECT_EQ(masked, old);
  json same = {{"password", "pw"}};
  ASSERT_TRUE(SealSecrets("postgres", &same, &old, box.get()).ok());
  EXPECT_EQ(same, old);  // re-applying a config file changes nothing
  json changed = {{"password", "pw2"}};
  ASSERT_TRUE(SealSecrets("postgres", &changed, &old, box.get()).ok());
  EXPECT_NE(changed, old);
  json nothing = {{"password", "********"}};
  core::Status s = SealSecrets("postgres", &nothing, nullptr, box.get());
  EXPECT_EQ(s.code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.details()[0].field, "config.password");
}

TEST(SecretsTest, NonStringSecretRoundTrips) {
  auto box = Box();
  json config = {{"service_account_key", {{"type", "service_account"}, {"private_key", "k"}}}};
  ASSERT_TRUE(SealSecrets("bigquery", &config, nullptr, box.get()).ok());
  EXPECT_TRUE(config["service_account_key"].is_string());
  auto revealed = RevealConfig(Connection{"c", "", "bigquery", config}, box.get());
  ASSERT_TRUE(revealed.ok());
  EXPECT_EQ((*revealed)["service_account_key"]["private_key"], "k");
  auto other = core::SecretBox::FromKeyText(std::string(64, 'b'));
  auto refused = RevealConfig(Connection{"c", "", "bigquery", config}, other->get());
  EXPECT_EQ(refused.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("config.service_account_key"), std::string::npos);
}

}  // namespace
}  // namespace wsync::catalog
