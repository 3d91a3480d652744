// The SQLite warehouse connector (provider "sqlite", config {"path": "..."}): reads data models
// from a SQLite file opened read-only, never creating it. Each call opens its own connection
// and every RowStream owns one, so a stream can outlive the call and move to another thread.
// Column types come from the declared types (DATE, DATETIME, NUMERIC, BOOLEAN, ...) and, for
// expressions, are inferred from sample rows. Time iterators are compared as normalised values
// at SQLite's millisecond resolution (see sqlite_dialect.h).
//
// Threads: as for every Connector — one thread at a time per connector and per stream.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include "core/status.h"
#include "warehouse/connector.h"

namespace wsync::warehouse {

// Validates the config (config.path must be a non-empty string; config.max_columns, optional,
// a positive integer, default 100) without touching the file.
core::StatusOr<std::unique_ptr<Connector>> NewSqliteConnector(
    const nlohmann::json& config, const ConnectorContext& context = ConnectorContext());

// Adds provider "sqlite" to `registry`.
void RegisterSqlite(Registry* registry);

}  // namespace wsync::warehouse
