// SqliteDialect: the one place that writes SQL text for SQLite — identifier quoting, wrapping a
// data model as a subquery, the normalised iterator expressions and the range predicates with
// their bound parameters, and the mapping of declared column types to wsync types.
//
// SQLite keeps time values as text, integers or julian-day reals in any mix, so iterators are
// compared as normalised values (SPEC §5): timestamps as 'YYYY-MM-DD HH:MM:SS.SSS' text, dates as
// 'YYYY-MM-DD', integers as CAST(... AS INTEGER). SQLite resolves time to milliseconds, so
// timestamp bounds are rounded to the nearest millisecond the way SQLite rounds the values.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"
#include "core/value.h"
#include "warehouse/connector.h"

namespace wsync::warehouse {

class SqliteDialect {
 public:
  // A bound parameter, in the order its '?' appears.
  using Param = std::variant<int64_t, std::string>;

  // "name" with embedded quotes doubled.
  static std::string QuoteIdentifier(std::string_view name);
  // SELECT * FROM (<model>) AS m; the newline keeps a trailing line comment from hiding ')'.
  static std::string WrapModel(std::string_view model_sql);
  // The iterator column of the wrapped model in its comparable form; NULL when the value does
  // not parse as `type`.
  static std::string NormalisedIterator(std::string_view column, IteratorType type);
  // The WHERE condition for `range` over the wrapped model (alias m), appending its bounds to
  // `params`. InvalidArgument when a bound is not a value of the iterator's kind.
  static core::StatusOr<std::string> RangePredicate(const Range& range, bool include_unparsable,
                                                    std::vector<Param>* params);
  // The normalised text of a timestamp bound: 'YYYY-MM-DD HH:MM:SS.SSS' (UTC, rounded to ms).
  static std::string FormatTimestampBound(int64_t micros);
  // The wsync type of a declared column type such as "BIGINT", "DATETIME" or "NUMERIC(10,2)",
  // following SQLite's affinity rules for names it does not know; nullopt for no declared type.
  static std::optional<core::Type> TypeFromDeclared(const char* declared);
};

}  // namespace wsync::warehouse
