// The providers of SPEC §2, registered by one explicit call at start-up. Each has its
// ProviderInfo (config fields, secret keys, capabilities) whether or not this build has its
// connector: sqlite, postgres, redshift, snowflake and databricks have one; bigquery is
// described only, so its connections can be saved (secrets sealed, masked in answers) while
// creating a connector for them fails with "unknown warehouse provider". When a connector lands,
// its folder's Register function replaces the description with a factory (same name, same
// place in the order).
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
