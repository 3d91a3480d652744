// The Databricks warehouse connector (provider "databricks", SPEC §2) over the SQL Statement
// Execution API (databricks_client.h: statements, polling, chunks, cancellation, errors, OAuth;
// databricks_result.h: answers and types). Every call builds its statements through
// DatabricksDialect and runs them as one statement each:
//  - Verify runs SELECT current_catalog(), current_schema() in the configured warehouse,
//    catalog and schema: an unknown warehouse, catalog or schema fails with its reason.
//  - Discover runs the model wrapped with LIMIT 0 (or LIMIT n when sample rows are wanted) and
//    takes each column's type from the manifest, so no type is inferred and no table is read.
//  - MaxIterator and Execute first learn the model's column names (LIMIT 0) when ranges name
//    columns, so a user's "updated_at" finds the model's UPDATED_AT before it is quoted.
//  - Execute streams: the first chunk comes with the statement's answer, each later one is
//    fetched by its next_chunk_internal_link when the previous one is used up (its rows inline,
//    or from its external link), so memory holds one chunk's text and one batch.
// Each call and each stream has its own client, so a stream can outlive the call and move to
// another thread. OAuth tokens are shared by every connector of the process with the same
// workspace, client and secret, so each run does not fetch a new one. Cancellation: the
// ConnectorContext's StopToken ends a running statement with a cancel request to Databricks.
//
// Threads: as for every Connector — one thread at a time per connector and per stream.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include "core/status.h"
#include "warehouse/connector.h"
#include "warehouse/databricks/databricks_client.h"
#include "warehouse/registry.h"

namespace wsync::warehouse {

// Validates the config (ReadDatabricksConfig) without contacting Databricks. FailedPrecondition
// when `deps.http` is null. `retry_env` and `polling` are for tests (null: real sleeping).
core::StatusOr<std::unique_ptr<Connector>> NewDatabricksConnector(
    const nlohmann::json& config, const ConnectorContext& context, const ConnectorDeps& deps,
    const RetryEnv* retry_env = nullptr, DatabricksPolling polling = {});

// The factory of provider "databricks".
ConnectorFactory DatabricksConnectorFactory();

}  // namespace wsync::warehouse
