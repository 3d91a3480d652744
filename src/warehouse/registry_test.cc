#include "warehouse/registry.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "warehouse/builtin_providers.h"
#include "warehouse/http/http_transport.h"

namespace wsync::warehouse {
namespace {

// What a REST connector's test will hand the registry instead of the network.
class FakeTransport : public HttpTransport {
 public:
  core::StatusOr<HttpResponse> Send(const HttpRequest& request,
                                    const core::StopToken* stop) override {
    if (stop != nullptr) RETURN_IF_ERROR(stop->Check());
    urls.push_back(request.url);
    return HttpResponse{.status = 200, .body = "{}"};
  }
  std::vector<std::string> urls;
};

// A connector that only proves what its factory received.
class ProbeConnector : public Connector {
 public:
  ProbeConnector(const ConnectorDeps& deps, const ConnectorContext& context)
      : deps_(deps), context_(context) {}
  core::Status Verify() override {
    if (context_.stop != nullptr) RETURN_IF_ERROR(context_.stop->Check());
    HttpRequest request;
    request.url = "https://warehouse.example/verify?at=" + std::to_string(deps_.clock->NowMicros());
    ASSIGN_OR_RETURN(HttpResponse response, deps_.http->Send(request, context_.stop));
    return response.status == 200 ? core::Status::Ok() : core::Unavailable("not 200");
  }
  core::StatusOr<Discovery> Discover(std::string_view, int) override { return Discovery{}; }
  core::StatusOr<core::Value> MaxIterator(std::string_view, const Range&) override {
    return core::Value::Null();
  }
  core::StatusOr<std::unique_ptr<RowStream>> Execute(const Query&) override {
    return core::FailedPrecondition("probe connectors do not extract");
  }

 private:
  ConnectorDeps deps_;
  ConnectorContext context_;
};

ProviderInfo ProbeInfo() {
  return {.name = "probe",
          .dialect = "none",
          .config = {{.name = "url", .required = true}, {.name = "key", .secret = true}},
          .capabilities = {.http = true}};
}

TEST(RegistryTest, FactoriesReceiveTheInjectedClockAndTransport) {
  core::FakeClock clock(1234);
  FakeTransport transport;
  Registry registry(ConnectorDeps{.clock = &clock, .http = &transport});
  registry.Register(ProbeInfo(), [](const nlohmann::json&, const ConnectorContext& context,
                                    const ConnectorDeps& deps) {
    return core::StatusOr<std::unique_ptr<Connector>>(
        std::make_unique<ProbeConnector>(deps, context));
  });
  auto connector = registry.Create("probe", nlohmann::json::object());
  ASSERT_TRUE(connector.ok());
  ASSERT_TRUE((*connector)->Verify().ok());
  EXPECT_EQ(transport.urls, std::vector<std::string>{"https://warehouse.example/verify?at=1234"});

  // The context's StopToken reaches the connector, so a call in flight can be cancelled.
  core::StopToken stop;
  stop.Cancel("the run was cancelled");
  auto stopped = registry.Create("probe", nlohmann::json::object(), {.stop = &stop});
  ASSERT_TRUE(stopped.ok());
  core::Status s = (*stopped)->Verify();
  EXPECT_EQ(s.code(), core::StatusCode::kCancelled);
  EXPECT_EQ(s.message(), "the run was cancelled");
  EXPECT_EQ(transport.urls.size(), 1u);
}

TEST(RegistryTest, ConnectorFailuresCarryTheWarehouseReason) {
  core::FakeClock clock(1);
  FakeTransport transport;
  Registry registry(ConnectorDeps{.clock = &clock, .http = &transport});
  registry.Register(ProbeInfo(), [](const nlohmann::json&, const ConnectorContext& context,
                                    const ConnectorDeps& deps) {
    return core::StatusOr<std::unique_ptr<Connector>>(
        std::make_unique<ProbeConnector>(deps, context));
  });
  core::StopToken stop;
  stop.Cancel("the run was cancelled");
  auto connector = registry.Create("probe", nlohmann::json::object(), {.stop = &stop});
  ASSERT_TRUE(connector.ok());
  core::Status verify = (*connector)->Verify();
  EXPECT_EQ(verify.code(), core::StatusCode::kCancelled);
  EXPECT_EQ(verify.reason(), core::Reason::kWarehouseUnreachable);
  auto execute = (*connector)->Execute(Query{});
  EXPECT_EQ(execute.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(execute.status().reason(), core::Reason::kWarehouseRejected);
  EXPECT_EQ(execute.status().message(), "probe connectors do not extract");
  // The registry's own refusal is about the config, not the warehouse.
  auto unknown = registry.Create("nope", nlohmann::json::object());
  EXPECT_EQ(unknown.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown.status().reason(), core::Reason::kNone);
}

TEST(WithWarehouseReasonTest, RefusalsAndUnreachables) {
  using core::Reason;
  EXPECT_EQ(WithWarehouseReason(core::InvalidArgument("x")).reason(), Reason::kWarehouseRejected);
  EXPECT_EQ(WithWarehouseReason(core::NotFound("x")).reason(), Reason::kWarehouseRejected);
  EXPECT_EQ(WithWarehouseReason(core::PermissionDenied("x")).reason(), Reason::kWarehouseRejected);
  EXPECT_EQ(WithWarehouseReason(core::Unauthenticated("x")).reason(), Reason::kWarehouseRejected);
  EXPECT_EQ(WithWarehouseReason(core::FailedPrecondition("x")).reason(),
            Reason::kWarehouseRejected);
  EXPECT_EQ(WithWarehouseReason(core::Unavailable("x")).reason(), Reason::kWarehouseUnreachable);
  EXPECT_EQ(WithWarehouseReason(core::DeadlineExceeded("x")).reason(),
            Reason::kWarehouseUnreachable);
  EXPECT_EQ(WithWarehouseReason(core::ResourceExhausted("x")).reason(),
            Reason::kWarehouseUnreachable);
  EXPECT_EQ(WithWarehouseReason(core::Cancelled("x")).reason(), Reason::kWarehouseUnreachable);
  EXPECT_EQ(WithWarehouseReason(core::Internal("x")).reason(), Reason::kNone);
  EXPECT_TRUE(WithWarehouseReason(core::Status::Ok()).ok());
  // A reason the connector chose stays.
  EXPECT_EQ(
      WithWarehouseReason(core::InvalidArgument("x").WithReason(Reason::kUnknownField)).reason(),
      Reason::kUnknownField);
  core::Status annotated = WithWarehouseReason(core::NotFound("no such table"));
  EXPECT_EQ(annotated.message(), "no such table");
  EXPECT_EQ(annotated.code(), core::StatusCode::kNotFound);
}

TEST(RegistryTest, TheClockDefaultsToTheSystemClock) {
  Registry registry;
  EXPECT_EQ(registry.deps().clock, core::SystemClock::Default());
  EXPECT_EQ(registry.deps().http, nullptr);
}

TEST(RegistryTest, DescribesProvidersWithoutConnectors) {
  Registry registry;
  registry.Register(ProbeInfo());
  ASSERT_NE(registry.Find("probe"), nullptr);
  EXPECT_EQ(registry.Find("probe")->Field("url")->required, true);
  EXPECT_EQ(registry.Find("probe")->Field("nope"), nullptr);
  EXPECT_EQ(registry.SecretKeys("probe"), std::vector<std::string>{"key"});
  EXPECT_TRUE(registry.SecretKeys("unknown").empty());
  EXPECT_FALSE(registry.HasConnector("probe"));
  auto created = registry.Create("probe", nlohmann::json::object());
  EXPECT_EQ(created.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(created.status().message(),
            "unknown warehouse provider 'probe'; this build supports: ");
}

TEST(RegistryTest, ReRegisteringKeepsTheOrder) {
  Registry registry;
  registry.Register({.name = "a"});
  registry.Register({.name = "b"});
  registry.Register({.name = "a", .dialect = "new"});
  std::vector<std::string> names;
  for (const ProviderInfo* p : registry.providers()) names.push_back(p->name);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(registry.Find("a")->dialect, "new");
}

// SPEC §2: every provider, its config keys and its secrets; only SQLite connects in this build,
// and creating a connector for the others fails as it did before they were described.
TEST(BuiltinProvidersTest, EverySpecProviderIsDescribed) {
  Registry registry;
  RegisterBuiltinProviders(&registry);
  std::vector<std::string> names;
  for (const ProviderInfo* p : registry.providers()) names.push_back(p->name);
  EXPECT_EQ(names, (std::vector<std::string>{"sqlite", "postgres", "redshift", "snowflake",
                                             "bigquery", "databricks"}));
  auto keys = [&](const char* provider) {
    std::vector<std::string> out;
    for (const ConfigField& f : registry.Find(provider)->config) out.push_back(f.name);
    return out;
  };
  using Keys = std::vector<std::string>;
  EXPECT_EQ(keys("sqlite"), (Keys{"path", "max_columns", "statement_timeout_s"}));
  EXPECT_EQ(keys("postgres"), (Keys{"host", "port", "database", "user", "password", "sslmode",
                                    "statement_timeout_s"}));
  EXPECT_EQ(keys("redshift"), (Keys{"host", "port", "database", "user", "password",
                                    "aws_iam_role_arn", "statement_timeout_s"}));
  EXPECT_EQ(keys("snowflake"),
            (Keys{"account_identifier", "region", "warehouse", "database", "schema", "role", "user",
                  "private_key", "token", "base_url"}));
  EXPECT_EQ(keys("bigquery"), (Keys{"project_id", "dataset_id", "region", "service_account_id",
                                    "service_account_key", "base_url", "token_url"}));
  EXPECT_EQ(keys("databricks"), (Keys{"host", "warehouse_id", "catalog", "schema", "token",
                                      "client_id", "client_secret", "base_url", "disposition"}));

  EXPECT_TRUE(registry.SecretKeys("sqlite").empty());
  EXPECT_EQ(registry.SecretKeys("postgres"), Keys{"password"});
  EXPECT_EQ(registry.SecretKeys("redshift"), Keys{"password"});
  EXPECT_EQ(registry.SecretKeys("snowflake"), (Keys{"private_key", "token"}));
  EXPECT_EQ(registry.SecretKeys("bigquery"), Keys{"service_account_key"});
  EXPECT_EQ(registry.SecretKeys("databricks"), (Keys{"token", "client_secret"}));
  EXPECT_EQ(registry.Find("bigquery")->Field("service_account_key")->type, ConfigType::kJson);
  EXPECT_TRUE(registry.Find("sqlite")->Field("path")->required);

  EXPECT_FALSE(registry.Find("sqlite")->capabilities.http);
  EXPECT_TRUE(registry.Find("snowflake")->capabilities.http);
  EXPECT_TRUE(registry.Find("bigquery")->capabilities.billed);
  EXPECT_EQ(registry.Find("redshift")->dialect, "redshift");

  for (const char* provider :
       {"sqlite", "postgres", "redshift", "snowflake", "bigquery", "databricks"}) {
    EXPECT_TRUE(registry.HasConnector(provider)) << provider;
  }
  auto created = registry.Create("oracle", nlohmann::json::object());
  EXPECT_EQ(created.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(created.status().message(),
            "unknown warehouse provider 'oracle'; this build supports: sqlite, postgres, "
            "redshift, snowflake, bigquery, databricks");
}

TEST(ConfigTypeTest, ValuesAndDescriptions) {
  EXPECT_TRUE(ConfigValueHasType("x", ConfigType::kString));
  EXPECT_FALSE(ConfigValueHasType(1, ConfigType::kString));
  EXPECT_TRUE(ConfigValueHasType(1, ConfigType::kInteger));
  EXPECT_FALSE(ConfigValueHasType(1.5, ConfigType::kInteger));
  EXPECT_TRUE(ConfigValueHasType(true, ConfigType::kBoolean));
  EXPECT_TRUE(ConfigValueHasType(nlohmann::json::object(), ConfigType::kJson));
  EXPECT_TRUE(ConfigValueHasType("{}", ConfigType::kJson));
  EXPECT_FALSE(ConfigValueHasType(nlohmann::json::array(), ConfigType::kJson));
  EXPECT_FALSE(ConfigValueHasType(nullptr, ConfigType::kString));
  EXPECT_EQ(DescribeConfigType(ConfigType::kInteger), "an integer");
  EXPECT_EQ(DescribeConfigType(ConfigType::kJson), "a string or a JSON object");
}

}  // namespace
}  // namespace wsync::warehouse
