// SnowflakeDialect: the Dialect (dialect.h) of Snowflake — identifier and literal quoting, the
// subquery wrap of a data model, iterator expressions and range predicates, and the mapping of
// Snowflake's declared type names to wsync types (the SQL API's rowType names are read in
// snowflake_values.h).
//
// Identifiers: Snowflake folds unquoted identifiers to upper case and matches quoted ones
// exactly, so the names a result reports are already what a quoted identifier must say:
// QuoteIdentifier quotes the name as given ("a""b" doubled), and FoldsIdentifierCase is false
// ("id" and "ID" are two columns). A name a user typed is found among the reported ones by the
// rule of core/column_lookup.h before it is quoted (the connector does that).
// Literals: '...' with backslashes and quotes escaped ('it\'s' reads as it''s would elsewhere;
// Snowflake strings take backslash escapes).
//
// Range bounds are typed literals, never parameters — TO_TIMESTAMP_TZ('2024-05-01
// 00:00:00.000000 +00:00', 'YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM'), TO_DATE('2024-05-01',
// 'YYYY-MM-DD'), TO_NUMBER(123) — so the statement text is complete. The iterator column is
// compared through the same conversion (TO_TIMESTAMP_TZ(m."COL") …) so a TIMESTAMP_NTZ, an
// epoch-seconds NUMBER or an ISO text column compares as a point in time; the connector's
// session runs with TIMEZONE 'UTC', so NTZ values read as UTC. A text value that does not
// convert fails the statement with Snowflake's message, as on PostgreSQL: TRY_TO_TIMESTAMP_TZ
// accepts only text, and reading a TIMESTAMP column as text would drop its precision.
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

class SnowflakeDialect : public Dialect {
 public:
  SqlDialect guard() const override { return SqlDialect::kSnowflake; }
  bool FoldsIdentifierCase() const override { return false; }
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
  // NUMBER(p,0) / INT… → int64, NUMBER(p,s>0) / DECIMAL → decimal, FLOAT / DOUBLE / REAL →
  // double, BOOLEAN → bool, DATE → date, TIMESTAMP* / DATETIME → timestamp, BINARY / VARBINARY →
  // bytes, VARCHAR / TEXT / STRING / CHAR, TIME, VARIANT / OBJECT / ARRAY and the rest → string.
  std::optional<core::Type> ColumnType(std::string_view declared) const override;

  // The extraction statement: the wrapped model within every range, with an optional LIMIT.
  core::StatusOr<std::string> ExtractStatement(std::string_view model_sql,
                                               const std::vector<Range>& ranges,
                                               std::optional<int64_t> limit) const;
  // The literal of a timestamp bound: 'YYYY-MM-DD HH:MM:SS.ffffff +00:00' (UTC).
  static std::string FormatTimestamp(int64_t micros);
};

}  // namespace wsync::warehouse
