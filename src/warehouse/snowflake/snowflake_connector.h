// The Snowflake warehouse connector (provider "snowflake", SPEC §2) over the SQL API v2
// (snowflake_client.h: statements, polling, partitions, cancellation, errors; snowflake_auth.h:
// key-pair JWT; snowflake_values.h: types). Every call builds its statements through
// SnowflakeDialect and runs them as one statement each:
//  - Verify runs SELECT CURRENT_WAREHOUSE(), CURRENT_DATABASE(), CURRENT_SCHEMA(),
//    CURRENT_ROLE(); a configured warehouse, database or schema that the session did not get
//    (it does not exist, or the role may not use it) is NotFound with its reason.
//  - Discover runs the model wrapped with LIMIT 0 — or, when sample rows are wanted, LIMIT n,
//    whose rowType is the same and which saves a second billed statement — and takes each
//    column's type from resultSetMetaData.rowType, so no type is inferred.
//  - MaxIterator and Execute first learn the model's column names (LIMIT 0) when ranges name
//    columns, so a user's "updated_at" finds Snowflake's UPDATED_AT before it is quoted.
//  - Execute streams: partition 0 comes with the statement's answer, each later partition is
//    fetched when the previous one is used up, and rows are converted batch by batch, so memory
//    holds one partition's text and one batch whatever the result's size.
// Each call and each stream has its own client, so a stream can outlive the call and move to
// another thread. Cancellation: the ConnectorContext's StopToken ends a running statement with
// a cancel request to Snowflake (and a request in flight at once).
//
// Threads: as for every Connector — one thread at a time per connector and per stream.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include "core/status.h"
#include "warehouse/connector.h"
#include "warehouse/registry.h"
#include "warehouse/snowflake/snowflake_client.h"

namespace wsync::warehouse {

// Validates the config (ReadSnowflakeConfig, and the private key parses) without contacting
// Snowflake. FailedPrecondition when `deps.http` is null. `retry_env` and `polling` are for
// tests (null: real sleeping).
core::StatusOr<std::unique_ptr<Connector>> NewSnowflakeConnector(
    const nlohmann::json& config, const ConnectorContext& context, const ConnectorDeps& deps,
    const RetryEnv* retry_env = nullptr, SnowflakePolling polling = {});

// The factory of provider "snowflake".
ConnectorFactory SnowflakeConnectorFactory();

}  // namespace wsync::warehouse
