// The SQLite warehouse connector (provider "sqlite", config {"path": "..."}): reads data models
// from a SQLite file opened read-only, never creating it. Each call opens its own connection
// and every RowStream owns one, so a stream can outlive the call and move to another thread.
// Column types come from the declared types (DATE, DATETIME, NUMERIC, BOOLEAN, ...) and, for
// expressions, are inferred from sample rows (type_inference.h); discover keeps samples within
// the bounds of samples.h and batches end where batcher.h says. Time iterators are compared as
// normalised values at SQLite's millisecond resolution (see sqlite_dialect.h).
//
// Model SQL is untrusted: which files may be opened is in sqlite_paths.h, how each connection
// is locked down (authorizer, limits, statement timeout, StopToken) in sqlite_session.h.
//
// Threads: as for every Connector — one thread at a time per connector and per stream.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/status.h"
#include "warehouse/connector.h"
#include "warehouse/registry.h"
#include "warehouse/samples.h"
#include "warehouse/sqlite/sqlite_paths.h"

namespace wsync::warehouse {

// Validates the config without touching the file: config.path must be a non-empty string;
// config.max_columns (optional) a positive integer, default 100; config.statement_timeout_s
// (optional) 1 s to 7 days, default 3600 (common_config.h). `options` say which files the
// connector may open for an untrusted config (context.trusted false).
core::StatusOr<std::unique_ptr<Connector>> NewSqliteConnector(
    const nlohmann::json& config, const ConnectorContext& context = ConnectorContext(),
    const SqliteOptions& options = SqliteOptions());

// Provider "sqlite": config.path (required), max_columns, statement_timeout_s; no secrets.
ProviderInfo SqliteProviderInfo();

// Adds provider "sqlite" to `registry`, its connectors confined by `options`.
void RegisterSqlite(Registry* registry, SqliteOptions options = SqliteOptions());

}  // namespace wsync::warehouse
