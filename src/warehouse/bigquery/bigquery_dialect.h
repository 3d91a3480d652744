// BigQueryDialect: the Dialect (dialect.h) of BigQuery's GoogleSQL — identifier and literal
// quoting, the subquery wrap of a data model, iterator expressions and range predicates, and
// the mapping of BigQuery's type names to wsync types (the API's schema types are read in
// bigquery_values.h).
//
// Identifiers: `backticks`, with '`' and '\' escaped by a backslash. Column names are
// case-insensitive in BigQuery ("id" and "ID" are one column: FoldsIdentifierCase is true) and
// results report them as the query spelled them.
// Literals: '...' with '\', '\'' and line breaks escaped by backslashes.
//
// Range bounds are typed literals, never parameters — TIMESTAMP '2024-05-01 00:00:00.000000+00:00',
// DATE '2024-05-01', plain integers — so the statement text is complete. The iterator column is
// compared through CAST(m.`col` AS TIMESTAMP | DATE | INT64), so a TIMESTAMP, a DATETIME (read
// as UTC), a DATE or an ISO text column compares as a point in time. A text value that does not
// convert fails the statement with BigQuery's message, as on PostgreSQL and Snowflake.
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

class BigQueryDialect : public Dialect {
 public:
  SqlDialect guard() const override { return SqlDialect::kBigQuery; }
  bool FoldsIdentifierCase() const override { return true; }
  std::string QuoteIdentifier(std::string_view name) const override;
  std::string QuoteLiteral(std::string_view text) const override;
  // SELECT <expressions> FROM (\n<model>\n) AS m; the newlines keep a trailing line comment
  // from hiding ')'. The model therefore starts on line 2 of every statement.
  std::string SelectFromModel(std::string_view expressions,
                              std::string_view model_sql) const override;
  std::string IteratorExpression(std::string_view column, IteratorType type) const override;
  // Never appends to `params` (bounds are literals).
  core::StatusOr<std::string> RangePredicate(const Range& range, bool include_unparsable,
                                             std::vector<SqlParam>* params) const override;
  // INT64 / INTEGER / … → int64, FLOAT64 → double, NUMERIC / BIGNUMERIC (with or without
  // precision) → decimal, BOOL → bool, DATE → date, DATETIME / TIMESTAMP → timestamp, BYTES →
  // bytes, ARRAY<…> → array, STRING, TIME, JSON, STRUCT<…> and the rest → string.
  std::optional<core::Type> ColumnType(std::string_view declared) const override;

  // The extraction statement: the wrapped model within every range, with an optional LIMIT.
  core::StatusOr<std::string> ExtractStatement(std::string_view model_sql,
                                               const std::vector<Range>& ranges,
                                               std::optional<int64_t> limit) const;
  // The text of a timestamp bound: 'YYYY-MM-DD HH:MM:SS.ffffff+00:00' (UTC).
  static std::string FormatTimestamp(int64_t micros);
};

}  // namespace wsync::warehouse
