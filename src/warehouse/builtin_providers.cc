#include "warehouse/builtin_providers.h"

#include <utility>

#include "warehouse/bigquery/bigquery_connector.h"
#include "warehouse/databricks/databricks_connector.h"
#include "warehouse/postgres/postgres_connector.h"
#include "warehouse/snowflake/snowflake_connector.h"
#include "warehouse/sqlite/sqlite_connector.h"

namespace wsync::warehouse {
namespace {

ConfigField String(const char* name) { return {.name = name, .type = ConfigType::kString}; }
ConfigField Integer(const char* name) { return {.name = name, .type = ConfigType::kInteger}; }
ConfigField Secret(const char* name, ConfigType type = ConfigType::kString) {
  return {.name = name, .type = type, .secret = true};
}

// Keys are optional when a connection is saved: the catalog has accepted these providers'
// configs without checking them, and their connectors will check what they need when created.
ProviderInfo Info(const char* name, std::vector<ConfigField> config,
                  ProviderCapabilities capabilities) {
  ProviderInfo info;
  info.name = name;
  info.dialect = name;
  info.config = std::move(config);
  info.capabilities = capabilities;
  return info;
}

}  // namespace

ProviderInfo PostgresProviderInfo() {
  return Info("postgres",
              {String("host"), Integer("port"), String("database"), String("user"),
               Secret("password"), String("sslmode"), Integer("statement_timeout_s")},
              {.max_iterator = true, .streaming = true, .billed = false, .http = false});
}

ProviderInfo RedshiftProviderInfo() {
  return Info("redshift",
              {String("host"), Integer("port"), String("database"), String("user"),
               Secret("password"), String("aws_iam_role_arn"), Integer("statement_timeout_s")},
              {.max_iterator = true, .streaming = true, .billed = false, .http = false});
}

ProviderInfo SnowflakeProviderInfo() {
  // Key-pair JWT (private_key) or a programmatic access token (token).
  return Info("snowflake",
              {String("account_identifier"), String("region"), String("warehouse"),
               String("database"), String("schema"), String("role"), String("user"),
               Secret("private_key"), Secret("token"), String("base_url")},
              {.max_iterator = true, .streaming = true, .billed = true, .http = true});
}

ProviderInfo BigQueryProviderInfo() {
  // The service-account key is the JSON key file, pasted as text or given as an object.
  return Info(
      "bigquery",
      {String("project_id"), String("dataset_id"), String("region"), String("service_account_id"),
       Secret("service_account_key", ConfigType::kJson), String("base_url"), String("token_url")},
      {.max_iterator = true, .streaming = true, .billed = true, .http = true});
}

ProviderInfo DatabricksProviderInfo() {
  // A personal access token (token) or a service principal's OAuth secret (client_id and
  // client_secret, machine-to-machine).
  return Info(
      "databricks",
      {String("host"), String("warehouse_id"), String("catalog"), String("schema"), Secret("token"),
       String("client_id"), Secret("client_secret"), String("base_url"), String("disposition")},
      {.max_iterator = true, .streaming = true, .billed = true, .http = true});
}

void RegisterBuiltinProviders(Registry* registry, SqliteOptions sqlite) {
  RegisterSqlite(registry, std::move(sqlite));
  registry->Register(PostgresProviderInfo(), PostgresConnectorFactory(false));
  registry->Register(RedshiftProviderInfo(), PostgresConnectorFactory(true));
  registry->Register(SnowflakeProviderInfo(), SnowflakeConnectorFactory());
  registry->Register(BigQueryProviderInfo(), BigQueryConnectorFactory());
  registry->Register(DatabricksProviderInfo(), DatabricksConnectorFactory());
}

}  // namespace wsync::warehouse
