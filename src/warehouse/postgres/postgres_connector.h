// The PostgreSQL and Redshift warehouse connectors (providers "postgres" and "redshift", SPEC
// §2) over libpq. Each call opens its own session (pg_session.h: egress rule, READ ONLY
// transaction, statement timeout, StopToken → PQcancel) and every RowStream owns one, so a
// stream can outlive the call and move to another thread.
//
// Discovery runs the LIMIT 0 wrap and takes each column's type from the OID the server reports
// (pg_values.h), so no type is inferred from samples. Extraction declares a server-side cursor
// over the wrapped model (DECLARE ... NO SCROLL CURSOR; Redshift has no NO SCROLL) and FETCHes
// it in steps of at most a batch, so memory stays bounded whatever the row count; the next FETCH
// is sent before the rows of the current one are converted, so the server works while we do.
// Redshift has no COPY TO STDOUT, which is why the cursor is the one way for both.
//
// Threads: as for every Connector — one thread at a time per connector and per stream.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include "core/status.h"
#include "warehouse/connector.h"
#include "warehouse/egress.h"
#include "warehouse/registry.h"

namespace wsync::warehouse {

// Validates the config without connecting: host, user and database are non-empty strings; port
// an integer 1..65535 (default 5432, Redshift 5439); sslmode one of libpq's (default "prefer";
// Redshift takes it too though SPEC §2 does not list it); password a string; max_columns and
// statement_timeout_s as in common_config.h. `policy` (null: public addresses only) bounds where
// an untrusted config may connect.
// How Execute reads rows: a server-side cursor (the default, and the only way on Redshift) or
// COPY (model) TO STDOUT (PostgreSQL only; kept for the comparison of make bench-pg).
enum class PgExtraction { kCursor, kCopy };

core::StatusOr<std::unique_ptr<Connector>> NewPostgresConnector(
    const nlohmann::json& config, const ConnectorContext& context = ConnectorContext(),
    const NetworkPolicy* policy = nullptr, bool redshift = false,
    PgExtraction extraction = PgExtraction::kCursor);

// The factory of provider "postgres" (or "redshift"): untrusted configs follow `deps.network`.
ConnectorFactory PostgresConnectorFactory(bool redshift);

}  // namespace wsync::warehouse
