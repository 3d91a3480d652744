// DatabricksDialect: the Dialect (dialect.h) of Databricks SQL — identifier and literal quoting,
// the subquery wrap of a data model, iterator expressions and range predicates, and the
// mapping of declared type names to wsync types (the manifest's type_name values are read in
// databricks_result.h).
//
// Identifiers: `name` with embedded backticks doubled; Databricks matches column names ignoring
// case, so FoldsIdentifierCase is true ("id" and "ID" are one column twice).
// Literals: '...' with backslashes and quotes escaped by a backslash (Databricks string literals
// take backslash escapes).
//
// Range bounds are typed literals, never parameters, so the statement text is complete:
// TIMESTAMP '2024-05-01 00:00:00.000000+00:00' (UTC, to the microsecond), DATE '2024-05-01',
// CAST(123 AS BIGINT). The iterator column is compared through the matching conversion —
// to_timestamp(m.`col`), to_date(m.`col`), CAST(m.`col` AS BIGINT) — so a TIMESTAMP, a
// TIMESTAMP_NTZ or an ISO text column compares as a point in time; text that does not convert
// fails the statement with Databricks' message (ANSI mode), as on PostgreSQL.
//
// Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/value.h"
#include "warehouse/dialect.h"

namespace wsync::warehouse {

class DatabricksDialect : public Dialect {
 public:
  SqlDialect guard() const override { return SqlDialect::kDatabricks; }
  bool FoldsIdentifierCase() const override { return true; }
  std::string QuoteIdentifier(std::string_view name) const override;
  std::string QuoteLiteral(std::string_view text) const override;
  std::string IteratorExpression(std::string_view column, IteratorType type) const override;
  // Never appends to `params` (bounds are literals).
  core::StatusOr<std::string> RangePredicate(const Range& range, bool include_unparsable,
                                             std::vector<SqlParam>* params) const override;
  // TINYINT / SMALLINT / INT / BIGINT (and BYTE, SHORT, LONG) → int64; DECIMAL(p,0) with p ≤ 18
  // → int64, other DECIMALs → decimal; FLOAT / DOUBLE → double; BOOLEAN → bool; DATE → date;
  // TIMESTAMP / TIMESTAMP_NTZ → timestamp; BINARY → bytes; the rest → string.
  std::optional<core::Type> ColumnType(std::string_view declared) const override;

  // The extraction statement: the wrapped model within every range, with an optional LIMIT.
  core::StatusOr<std::string> ExtractStatement(std::string_view model_sql,
                                               const std::vector<Range>& ranges,
                                               std::optional<int64_t> limit) const;
  // The text of a timestamp literal: 'YYYY-MM-DD HH:MM:SS.ffffff+00:00' (UTC), unquoted.
  static std::string FormatTimestamp(int64_t micros);
};

}  // namespace wsync::warehouse
