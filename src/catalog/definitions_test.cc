#include "catalog/definitions.h"

#include <gtest/gtest.h>

#include "testing/providers.h"
#include "warehouse/sqlite/sqlite_connector.h"

namespace wsync::catalog {
namespace {

using nlohmann::json;

json GoodPipeline() {
  return {{"id", "p1"},
          {"pipeline_type", "user_attributes"},
          {"connection_id", "c1"},
          {"data_model_id", "m1"},
          {"environment", "production"}};
}

TEST(DefinitionsTest, PipelineDefaults) {
  auto p = ParsePipeline(GoodPipeline());
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->input_protection, profiles::InputProtection::kCreateAndUpdate);
  EXPECT_FALSE(p->sync_mode.incremental);
  EXPECT_FALSE(p->skip_nulls);
  EXPECT_EQ(ToJson(*p)["null_values"], "remove");
}

TEST(DefinitionsTest, PipelineErrorsNameTheirFields) {
  json body = GoodPipeline();
  body.erase("environment");
  body["colour"] = "red";
  body["sync_mode"] = {
      {"type", "incremental"}, {"iterator", "updated_at"}, {"iterator_data_type", "minutes"}};
  auto p = ParsePipeline(body);
  ASSERT_FALSE(p.ok());
  std::vector<std::string> fields;
  for (const auto& e : p.status().details()) fields.push_back(e.field);
  EXPECT_EQ(fields,
            (std::vector<std::string>{"environment", "sync_mode.iterator_data_type", "colour"}));
  EXPECT_NE(p.status().message().find("colour: unknown field"), std::string::npos);
}

TEST(DefinitionsTest, ReadOnlyFieldsAreIgnored) {
  json body = GoodPipeline();
  body["state"] = "active";
  body["created_on"] = "2024-01-01T00:00:00Z";
  EXPECT_TRUE(ParsePipeline(body).ok());
}

TEST(DefinitionsTest, EventsPipelineNeedsAMapping) {
  json body = GoodPipeline();
  body["pipeline_type"] = "events";
  auto p = ParsePipeline(body);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().details().at(0).field, "field_transformation_id");
}

// F11: outputs follow SPEC §11; every problem is reported with its field.
TEST(DefinitionsTest, PipelineOutputsAreValidated) {
  json body = GoodPipeline();
  body["outputs"] = {{{"type", "http"}, {"url", "https://x/"}, {"basic_auth", {{"user", "u"}}}},
                     {{"type", "jsonl"}, {"path", "../x"}},
                     {{"type", "s3"}, {"bucket", "b"}}};
  auto p = ParsePipeline(body);
  ASSERT_FALSE(p.ok());
  std::vector<std::string> fields;
  for (const auto& e : p.status().details()) fields.push_back(e.field);
  EXPECT_EQ(fields, (std::vector<std::string>{
                        "outputs[0].basic_auth.username", "outputs[0].basic_auth.password",
                        "outputs[0].basic_auth.user", "outputs[1].path", "outputs[2].type"}));
  // A stored pipeline (secrets sealed) reads back.
  body["outputs"] = {{{"type", "http"},
                      {"url", "https://x/"},
                      {"headers", {{"Authorization", "sealed:v2:AAAA"}}},
                      {"basic_auth", {{"username", "u"}, {"password", "sealed:v2:AAAA"}}},
                      {"gzip", false},
                      {"max_attempts", 3}},
                     {{"type", "jsonl"}, {"path", "out/p.jsonl"}}};
  p = ParsePipeline(body);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->outputs, body["outputs"]);
}

TEST(DefinitionsTest, DataModelRefusesWrites) {
  auto m = ParseDataModel({{"id", "m"}, {"sql_query", "DELETE FROM users"}});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().details().at(0).field, "sql_query");
  auto ok = ParseDataModel({{"id", "m"}, {"sql_query", "SELECT 'DELETE' AS op;"}});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->sql_query, "SELECT 'DELETE' AS op");
}

// B8: the unit of an INTEGER timestamp_field is explicit, checked with the field named, and
// reaches the mapper.
TEST(DefinitionsTest, DataModelTimestampUnit) {
  json body = {{"id", "m"}, {"sql_query", "SELECT 1 AS email, 2 AS ts"}, {"timestamp_field", "ts"}};
  auto seconds = ParseDataModel(body);
  ASSERT_TRUE(seconds.ok()) << seconds.status().ToString();
  EXPECT_EQ(seconds->timestamp_unit, mapping::TimestampUnit::kSeconds);
  EXPECT_FALSE(ToJson(*seconds).contains("timestamp_unit"));
  body["timestamp_unit"] = "milliseconds";
  auto millis = ParseDataModel(body);
  ASSERT_TRUE(millis.ok()) << millis.status().ToString();
  EXPECT_EQ(millis->timestamp_unit, mapping::TimestampUnit::kMilliseconds);
  EXPECT_EQ(ToJson(*millis)["timestamp_unit"], "milliseconds");
  EXPECT_EQ(ParseDataModel(ToJson(*millis))->timestamp_unit, mapping::TimestampUnit::kMilliseconds);
  for (json bad : {json("ms"), json(1000)}) {
    body["timestamp_unit"] = bad;
    auto m = ParseDataModel(body);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.status().details().at(0).field, "timestamp_unit");
  }
  // CompileMapper passes the unit on: milliseconds read as seconds would be a row error.
  Pipeline pipeline;
  std::vector<core::Column> columns = {{"email", core::Type::kString, false},
                                       {"ts", core::Type::kInt64, false}};
  auto mapper = CompileMapper(pipeline, *millis, std::nullopt, columns);
  ASSERT_TRUE(mapper.ok()) << mapper.status().ToString();
  mapping::Record record;
  mapping::RowError error;
  ASSERT_TRUE(mapper->Map({core::Value::String("a@b"), core::Value::Int64(1'700'000'000'123)}, 1,
                          &record, &error))
      << error.message;
  EXPECT_EQ(record.source_time, 1'700'000'000'123'000);
}

// Only an operator's config file marks a connection trusted (Catalog::MarkConnectionTrusted);
// a client's body may carry the field but never keeps it.
TEST(DefinitionsTest, ConnectionTrustedMarkIsReadButNeverStoredFromABody) {
  json body = {{"id", "c"},
               {"service_provider", "sqlite"},
               {"config", {{"path", "/x.db"}}},
               {"trusted", true}};
  auto parsed = ParseConnection(body, testing::BuiltinProviders());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed->trusted);
  EXPECT_EQ(ToJson(*parsed)["trusted"], true);
  auto canonical = Canonicalize(Kind::kConnection, body, testing::BuiltinProviders());
  ASSERT_TRUE(canonical.ok());
  EXPECT_FALSE(canonical->contains("trusted")) << canonical->dump();
  body["trusted"] = "yes";
  EXPECT_EQ(ParseConnection(body, testing::BuiltinProviders()).status().code(),
            core::StatusCode::kInvalidArgument);
}

// A body not yet saved has no id; its canonical form has none either and canonicalizes to itself
// (the fuzzer found the model's "" id, which the parser then refused).
TEST(DefinitionsTest, ABodyWithoutAnIdCanonicalizesToItself) {
  const std::pair<Kind, json> bodies[] = {
      {Kind::kConnection, {{"service_provider", "sqlite"}, {"config", {{"path", "/x.db"}}}}},
      {Kind::kDataModel, {{"sql_query", "SELECT id, updated_at"}, {"primary_key", {"id"}}}},
      {Kind::kPipeline,
       {{"pipeline_type", "user_attributes"},
        {"connection_id", "c"},
        {"data_model_id", "m"},
        {"field_transformation_id", "f"},
        {"environment", "production"}}},
  };
  for (const auto& [kind, body] : bodies) {
    auto canonical = Canonicalize(kind, body, testing::BuiltinProviders());
    ASSERT_TRUE(canonical.ok()) << canonical.status().ToString();
    EXPECT_FALSE(canonical->contains("id")) << canonical->dump();
    auto again = Canonicalize(kind, *canonical, testing::BuiltinProviders());
    ASSERT_TRUE(again.ok()) << again.status().ToString() << " for " << canonical->dump();
    EXPECT_EQ(*again, *canonical);
  }
}

TEST(DefinitionsTest, ConnectionChecksProviderAndPath) {
  auto c = ParseConnection({{"service_provider", "oracle"}}, testing::BuiltinProviders());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().details().at(0).field, "service_provider");
  auto s = ParseConnection({{"service_provider", "sqlite"}, {"config", json::object()}},
                           testing::BuiltinProviders());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().details().at(0).field, "config.path");
  EXPECT_EQ(s.status().details().at(0).message, "is required for a sqlite connection");
  auto t = ParseConnection({{"service_provider", "sqlite"}, {"config", {{"path", 7}}}},
                           testing::BuiltinProviders());
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().details().at(0).field, "config.path");
  EXPECT_EQ(t.status().details().at(0).message, "must be a string");
  EXPECT_FALSE(IsSlug("has space"));
  EXPECT_TRUE(IsSlug("ok_id-1"));
}

// The registry decides which providers exist (all of SPEC §2, with or without a connector in
// this build) and what their configs must hold; the catalog keeps no list of its own.
TEST(DefinitionsTest, ConnectionProvidersComeFromTheRegistry) {
  auto c = ParseConnection({{"service_provider", "oracle"}}, testing::BuiltinProviders());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().details().at(0).message,
            "must be one of sqlite, postgres, redshift, snowflake, bigquery, databricks (got "
            "'oracle')");
  for (const char* provider : {"postgres", "redshift", "snowflake", "bigquery", "databricks"}) {
    EXPECT_TRUE(ParseConnection({{"service_provider", provider}, {"config", json::object()}},
                                testing::BuiltinProviders())
                    .ok())
        << provider;
  }
  warehouse::Registry only_sqlite;
  warehouse::RegisterSqlite(&only_sqlite);
  auto pg = ParseConnection({{"service_provider", "postgres"}}, only_sqlite);
  ASSERT_FALSE(pg.ok());
  EXPECT_EQ(pg.status().details().at(0).message, "must be one of sqlite (got 'postgres')");
  // A required field of another type is checked the same way.
  warehouse::Registry custom;
  custom.Register(
      {.name = "acme",
       .config = {{.name = "port", .type = warehouse::ConfigType::kInteger, .required = true}}});
  auto port =
      ParseConnection({{"service_provider", "acme"}, {"config", {{"port", "5432"}}}}, custom);
  ASSERT_FALSE(port.ok());
  EXPECT_EQ(port.status().details().at(0).field, "config.port");
  EXPECT_EQ(port.status().details().at(0).message, "must be an integer");
  EXPECT_TRUE(
      ParseConnection({{"service_provider", "acme"}, {"config", {{"port", 5432}}}}, custom).ok());
}

TEST(DefinitionsTest, StoredConnectionsAreReadWithoutTheRegistry) {
  json stored = {{"id", "c"}, {"service_provider", "postgres"}, {"config", {{"host", "h"}}}};
  auto c = ParseStoredConnection(stored);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->service_provider, "postgres");
  EXPECT_EQ(c->config["host"], "h");
  EXPECT_FALSE(ParseStoredConnection({{"service_provider", 1}}).ok());
}

}  // namespace
}  // namespace wsync::catalog
