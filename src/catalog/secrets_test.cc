#include "catalog/secrets.h"

#include <gtest/gtest.h>

#include "testing/providers.h"
#include "testing/sealed_v1.h"

namespace wsync::catalog {
namespace {

using nlohmann::json;

const warehouse::Registry& Providers() { return testing::BuiltinProviders(); }

std::unique_ptr<core::SecretBox> Box() {
  return std::move(*core::SecretBox::FromKeyText(std::string(64, 'a')));
}
std::array<unsigned char, 32> BoxKey() {
  std::array<unsigned char, 32> key;
  key.fill(0xaa);
  return key;
}

const SecretScope kScope{1, Kind::kConnection, "c"};

TEST(SecretsTest, SealsRevealsAndMasks) {
  auto box = Box();
  json config = {{"host", "h"}, {"password", "pw"}};
  ASSERT_TRUE(SealSecrets(Providers(), "postgres", kScope, &config, nullptr, box.get()).ok());
  EXPECT_EQ(config["host"], "h");
  ASSERT_TRUE(core::SecretBox::IsSealed(config["password"].get<std::string>()));
  Connection c{"c", "", "postgres", config};
  auto revealed = RevealConfig(Providers(), c, 1, box.get());
  ASSERT_TRUE(revealed.ok());
  EXPECT_EQ((*revealed)["password"], "pw");
  EXPECT_EQ(MaskSecrets(Providers(), "postgres", config)["password"], "********");
  EXPECT_EQ(MaskSecrets(Providers(), "sqlite", json{{"path", "/x"}})["path"], "/x");
}

TEST(SecretsTest, MaskKeepsAndSameValueKeepsSealedForm) {
  auto box = Box();
  json old = {{"password", "pw"}};
  ASSERT_TRUE(SealSecrets(Providers(), "postgres", kScope, &old, nullptr, box.get()).ok());
  json masked = {{"password", "********"}};
  ASSERT_TRUE(SealSecrets(Providers(), "postgres", kScope, &masked, &old, box.get()).ok());
  EXPECT_EQ(masked, old);
  json same = {{"password", "pw"}};
  ASSERT_TRUE(SealSecrets(Providers(), "postgres", kScope, &same, &old, box.get()).ok());
  EXPECT_EQ(same, old);  // re-applying a config file changes nothing
  json changed = {{"password", "pw2"}};
  ASSERT_TRUE(SealSecrets(Providers(), "postgres", kScope, &changed, &old, box.get()).ok());
  EXPECT_NE(changed, old);
  json nothing = {{"password", "********"}};
  core::Status s = SealSecrets(Providers(), "postgres", kScope, &nothing, nullptr, box.get());
  EXPECT_EQ(s.code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.details()[0].field, "config.password");
}

TEST(SecretsTest, NonStringSecretRoundTrips) {
  auto box = Box();
  json config = {{"service_account_key", {{"type", "service_account"}, {"private_key", "k"}}}};
  ASSERT_TRUE(SealSecrets(Providers(), "bigquery", kScope, &config, nullptr, box.get()).ok());
  EXPECT_TRUE(config["service_account_key"].is_string());
  auto revealed = RevealConfig(Providers(), Connection{"c", "", "bigquery", config}, 1, box.get());
  ASSERT_TRUE(revealed.ok());
  EXPECT_EQ((*revealed)["service_account_key"]["private_key"], "k");
  auto other = core::SecretBox::FromKeyText(std::string(64, 'b'));
  auto refused =
      RevealConfig(Providers(), Connection{"c", "", "bigquery", config}, 1, other->get());
  EXPECT_EQ(refused.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("config.service_account_key"), std::string::npos);
}

// F10: a client replaying a sealed value (e.g. copied from another workspace) is refused, in
// either version, before anything is stored.
TEST(SecretsTest, RefusesSealedValuesFromClients) {
  auto box = Box();
  json stolen = {{"password", "pw"}};
  ASSERT_TRUE(SealSecrets(Providers(), "postgres", SecretScope{2, Kind::kConnection, "pg"}, &stolen,
                          nullptr, box.get())
                  .ok());
  for (const json& replay : {stolen["password"], json(testing::SealV1(BoxKey(), "\"pw\""))}) {
    json config = {{"host", "attacker.example"}, {"password", replay}};
    core::Status s = SealSecrets(Providers(), "postgres", kScope, &config, nullptr, box.get());
    EXPECT_EQ(s.code(), core::StatusCode::kInvalidArgument) << replay;
    ASSERT_EQ(s.details().size(), 1u);
    EXPECT_EQ(s.details()[0].field, "config.password");
  }
}

// F10: the sealed value is bound to (workspace, connection, key): the same bytes placed in
// another workspace's or connection's row (a database copy) do not open there.
TEST(SecretsTest, SealedValueOpensOnlyWhereItWasSealed) {
  auto box = Box();
  json config = {{"password", "pw"}};
  ASSERT_TRUE(SealSecrets(Providers(), "postgres", kScope, &config, nullptr, box.get()).ok());
  EXPECT_EQ((*RevealConfig(Providers(), Connection{"c", "", "postgres", config}, 1,
                           box.get()))["password"],
            "pw");
  auto other_workspace =
      RevealConfig(Providers(), Connection{"c", "", "postgres", config}, 2, box.get());
  auto other_connection =
      RevealConfig(Providers(), Connection{"c2", "", "postgres", config}, 1, box.get());
  for (const auto* refused : {&other_workspace, &other_connection}) {
    EXPECT_EQ(refused->status().code(), core::StatusCode::kFailedPrecondition);
    EXPECT_TRUE(refused->status().message().starts_with("config.password: "))
        << refused->status().ToString();
    EXPECT_NE(refused->status().message().find("copied from another workspace"), std::string::npos);
    EXPECT_EQ(refused->status().message().find("pw\""), std::string::npos);
  }
  // Another key of the same connection does not open it either.
  json moved = {{"service_account_key", config["password"]}};
  EXPECT_FALSE(
      RevealConfig(Providers(), Connection{"c", "", "bigquery", moved}, 1, box.get()).ok());
}

// v1 values stored by earlier versions still open, and any write (mask or same value) reseals
// them as v2 bound to their scope.
TEST(SecretsTest, VersionOneValuesOpenAndMigrateOnWrite) {
  auto box = Box();
  json old = {{"password", testing::SealV1(BoxKey(), "\"pw\"")}};
  EXPECT_EQ(
      (*RevealConfig(Providers(), Connection{"c", "", "postgres", old}, 1, box.get()))["password"],
      "pw");
  for (const char* sent : {"********", "pw"}) {
    json config = {{"password", sent}};
    ASSERT_TRUE(SealSecrets(Providers(), "postgres", kScope, &config, &old, box.get()).ok())
        << sent;
    std::string stored = config["password"];
    EXPECT_TRUE(stored.starts_with("sealed:v2:")) << sent << " " << stored;
    EXPECT_EQ((*RevealConfig(Providers(), Connection{"c", "", "postgres", config}, 1,
                             box.get()))["password"],
              "pw");
    EXPECT_FALSE(
        RevealConfig(Providers(), Connection{"c", "", "postgres", config}, 2, box.get()).ok());
  }
}

json HttpOutput(const std::string& password, const std::string& token) {
  return {{"type", "http"},
          {"url", "https://example.com/in"},
          {"headers", {{"Authorization", token}, {"Content-Type", "application/json"}}},
          {"basic_auth", {{"username", "u"}, {"password", password}}}};
}

// F11: output credentials are sealed, masked and kept by "********" like connection secrets.
TEST(SecretsTest, OutputSecretsAreSealedMaskedAndKept) {
  auto box = Box();
  const SecretScope scope{1, Kind::kPipeline, "p"};
  json outputs = {HttpOutput("OUT_PW", "Bearer OUT_TOKEN"), {{"type", "jsonl"}, {"path", "x"}}};
  ASSERT_TRUE(SealOutputSecrets(scope, &outputs, nullptr, box.get()).ok());
  EXPECT_EQ(outputs.dump().find("OUT_"), std::string::npos) << outputs;
  EXPECT_EQ(outputs[0]["headers"]["Content-Type"], "application/json");
  EXPECT_EQ(outputs[0]["basic_auth"]["username"], "u");
  EXPECT_EQ(outputs[1], json({{"type", "jsonl"}, {"path", "x"}}));

  json masked = MaskOutputSecrets(outputs);
  EXPECT_EQ(masked[0], HttpOutput("********", "********"));

  json update = masked;
  update[0]["url"] = "https://example.com/other";
  ASSERT_TRUE(SealOutputSecrets(scope, &update, &outputs, box.get()).ok());
  EXPECT_EQ(update[0]["basic_auth"], outputs[0]["basic_auth"]);
  auto revealed = RevealOutputs(scope, update, box.get());
  ASSERT_TRUE(revealed.ok()) << revealed.status().ToString();
  EXPECT_EQ((*revealed)[0]["basic_auth"]["password"], "OUT_PW");
  EXPECT_EQ((*revealed)[0]["headers"]["Authorization"], "Bearer OUT_TOKEN");
  EXPECT_FALSE(RevealOutputs(SecretScope{2, Kind::kPipeline, "p"}, update, box.get()).ok());

  json fresh = {HttpOutput("********", "t")};
  core::Status s = SealOutputSecrets(scope, &fresh, nullptr, box.get());
  ASSERT_EQ(s.code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.details()[0].field, "outputs[0].basic_auth.password");
  json replay = {HttpOutput("pw", outputs[0]["headers"]["Authorization"])};
  s = SealOutputSecrets(scope, &replay, nullptr, box.get());
  ASSERT_EQ(s.code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.details()[0].field, "outputs[0].headers.Authorization");
}

TEST(SecretsTest, SecretHeaderNames) {
  for (const char* name : {"Authorization", "proxy-authorization", "X-API-Key", "X-Auth-Token",
                           "Cookie", "X-Webhook-Secret"}) {
    EXPECT_TRUE(IsSecretHeader(name)) << name;
  }
  for (const char* name : {"Content-Type", "Accept", "User-Agent", "X-Request-Id"}) {
    EXPECT_FALSE(IsSecretHeader(name)) << name;
  }
}

// Which keys are secret is each provider's ProviderInfo: the SPEC §2 keys marked *, and
// whatever a registered provider declares.
TEST(SecretsTest, SecretKeysComeFromTheRegistry) {
  json snowflake = {{"user", "u"}, {"private_key", "k"}, {"token", "t"}};
  json masked = MaskSecrets(Providers(), "snowflake", snowflake);
  EXPECT_EQ(masked, (json{{"user", "u"}, {"private_key", "********"}, {"token", "********"}}));
  EXPECT_EQ(MaskSecrets(Providers(), "databricks", json{{"token", "t"}, {"host", "h"}}),
            (json{{"token", "********"}, {"host", "h"}}));
  EXPECT_EQ(MaskSecrets(Providers(), "redshift", json{{"password", "p"}})["password"], "********");
  EXPECT_EQ(MaskSecrets(Providers(), "bigquery", json{{"service_account_key", {{"k", 1}}}}),
            (json{{"service_account_key", "********"}}));
  // An unknown provider has no secret keys (its connections cannot be stored anyway).
  EXPECT_EQ(MaskSecrets(Providers(), "oracle", json{{"password", "p"}})["password"], "p");

  warehouse::Registry custom;
  custom.Register(
      {.name = "acme", .config = {{.name = "api_key", .secret = true}, {.name = "password"}}});
  json config = {{"api_key", "k"}, {"password", "p"}};
  auto box = Box();
  ASSERT_TRUE(SealSecrets(custom, "acme", kScope, &config, nullptr, box.get()).ok());
  EXPECT_TRUE(core::SecretBox::IsSealed(config["api_key"].get<std::string>()));
  EXPECT_EQ(config["password"], "p");
  EXPECT_EQ(MaskSecrets(custom, "acme", config)["api_key"], "********");
  EXPECT_EQ((*RevealConfig(custom, Connection{"c", "", "acme", config}, 1, box.get()))["api_key"],
            "k");
}

}  // namespace
}  // namespace wsync::catalog
