// The PostgreSQL and Redshift warehouse connectors (providers "postgres" and "redshift", SPEC
// §2) over libpq. Each call opens its own session (pg_session.h: egress rule, READ ONLY
// transaction, statement timeout, StopToken → PQcancel) and every RowStream owns one, so a
// stream can outlive the call and move to another thread.
//
// Discovery runs the LIMIT 0 wrap and takes each column's type from the OID the server reports
// (pg_values.h), so no type is inferred from samples. Extraction on PostgreSQL streams
// COPY (<wrapped model>) TO STDOUT in text form, one line at a time from libpq, so memory stays
// bounded whatever the row count; measured (make bench-pg) it converts several times faster
// than FETCHing a cursor, and it reads the same text so the values are the same
// (PostgresConnectorTest.CopyExtractionReadsTheSameValuesAsTheCursor). Both ways refill the
// rows of the caller's previous batch in place (BatchFiller, batcher.h), each COPY line split
// where it lies, so most cells cost no allocation. The COPY is one
// statement: the connection's statement timeout bounds the whole extraction. Redshift has no
// COPY TO STDOUT: there a server-side cursor (DECLARE ... CURSOR; FETCH FORWARD n) is read, the
// next FETCH sent before the rows of the current one are converted, each FETCH under the
// statement timeout.
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
// How Execute reads rows on PostgreSQL: COPY (model) TO STDOUT (the default) or a server-side
// cursor (what Redshift always uses; kept on PostgreSQL for make bench-pg and the tests).
enum class PgExtraction { kCopy, kCursor };

core::StatusOr<std::unique_ptr<Connector>> NewPostgresConnector(
    const nlohmann::json& config, const ConnectorContext& context = ConnectorContext(),
    const NetworkPolicy* policy = nullptr, bool redshift = false,
    PgExtraction extraction = PgExtraction::kCopy);

// The factory of provider "postgres" (or "redshift"): untrusted configs follow `deps.network`.
ConnectorFactory PostgresConnectorFactory(bool redshift);

}  // namespace wsync::warehouse
