// SqliteDialect: the Dialect (dialect.h) of SQLite — identifier quoting, wrapping a data model
// as a subquery, the normalised iterator expressions and the range predicates with their bound
// parameters, and the mapping of declared column types to wsync types.
//
// SQLite keeps time values as text, integers or julian-day reals in any mix, so iterators are
// compared as normalised values (SPEC §5): timestamps as 'YYYY-MM-DD HH:MM:SS.SSS' text, dates as
// 'YYYY-MM-DD', integers as CAST(... AS INTEGER). SQLite resolves time to milliseconds, so
// timestamp bounds are rounded to the nearest millisecond the way SQLite rounds the values.
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
#include "warehouse/connector.h"
#include "warehouse/dialect.h"

namespace wsync::warehouse {

class SqliteDialect : public Dialect {
 public:
  SqlDialect guard() const override { return SqlDialect::kSqlite; }
  // SQLite matches identifiers ignoring ASCII case.
  bool FoldsIdentifierCase() const override { return true; }
  // Quoting and the model's wrap are Dialect's standard ones.
  std::string IteratorExpression(std::string_view column, IteratorType type) const override;
  core::StatusOr<std::string> RangePredicate(const Range& range, bool include_unparsable,
                                             std::vector<SqlParam>* params) const override;
  std::optional<core::Type> ColumnType(std::string_view declared) const override;

  // The normalised text of a timestamp bound: 'YYYY-MM-DD HH:MM:SS.SSS' (UTC, rounded to ms).
  static std::string FormatTimestampBound(int64_t micros);
  // The wsync type of a declared column type such as "BIGINT", "DATETIME" or "NUMERIC(10,2)",
  // following SQLite's affinity rules for names it does not know; nullopt for no declared type
  // (nullptr, as sqlite3_column_decltype reports an expression).
  static std::optional<core::Type> TypeFromDeclared(const char* declared);
};

}  // namespace wsync::warehouse
