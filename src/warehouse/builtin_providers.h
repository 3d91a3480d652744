// The providers of SPEC §2, registered by one explicit call at start-up. Each has its
// ProviderInfo (config fields, secret keys, capabilities) and, in this build, its connector
// factory. A provider described without a factory (Register(info) alone) can have its
// connections saved (secrets sealed, masked in answers) while creating a connector for it fails
// with "unknown warehouse provider".
//
// Pure functions; thread-safe.
#pragma once

#include "warehouse/registry.h"
#include "warehouse/sqlite/sqlite_paths.h"

namespace wsync::warehouse {

ProviderInfo PostgresProviderInfo();
ProviderInfo RedshiftProviderInfo();
ProviderInfo SnowflakeProviderInfo();
ProviderInfo BigQueryProviderInfo();
ProviderInfo DatabricksProviderInfo();

// Registers every provider in SPEC order (sqlite, postgres, redshift, snowflake, bigquery,
// databricks) — the order validation messages list them in. `sqlite` confines SQLite files.
void RegisterBuiltinProviders(Registry* registry, SqliteOptions sqlite = SqliteOptions());

}  // namespace wsync::warehouse
