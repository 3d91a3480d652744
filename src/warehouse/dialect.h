// Dialect: the one place per provider that writes SQL text — identifier and literal quoting,
// wrapping a data model as a subquery (SPEC §2: a model is never run bare), the comparable
// expression of an iterator column and the predicate of a Range with its bound parameters, and
// the mapping of declared column types to wsync types. Connectors build every statement through
// their dialect; the statements every dialect shares (describe, extract, the iterator's upper
// bound) are composed here from those pieces.
//
// Implementations are stateless; every method is const and thread-safe.
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
#include "warehouse/sql_guard.h"

namespace wsync::warehouse {

// A bound parameter, in the order its '?' appears in the text.
using SqlParam = std::variant<int64_t, std::string>;

// Ok when `bound` is a value of `range`'s iterator kind (a timestamp, a date, or an int64 for
// the integer kinds); otherwise InvalidArgument naming the column, its iterator type and the
// bound. What every dialect's RangePredicate checks first.
core::Status CheckRangeBound(const Range& range, const core::Value& bound);

class Dialect {
 public:
  virtual ~Dialect() = default;

  // How CheckReadOnlySql reads model SQL in this dialect (which quoting forms exist).
  virtual SqlDialect guard() const = 0;
  // Whether the warehouse matches identifiers ignoring case, so that a model returning "id" and
  // "ID" names one column twice (refused by CheckDistinctColumnNames).
  virtual bool FoldsIdentifierCase() const = 0;

  // Quoting and the wrap are standard SQL unless a dialect overrides them: "name" with embedded
  // double quotes doubled.
  virtual std::string QuoteIdentifier(std::string_view name) const;
  // 'text' with embedded single quotes doubled; backslashes are plain characters.
  virtual std::string QuoteLiteral(std::string_view text) const;
  // SELECT <expressions> FROM (\n<model>\n) AS m — the model as a subquery with alias m; the
  // newlines keep a trailing line comment of the model from hiding ')'.
  virtual std::string SelectFromModel(std::string_view expressions,
                                      std::string_view model_sql) const;
  // The iterator column of the wrapped model (alias m) in a comparable form; NULL when the
  // value does not parse as `type`.
  virtual std::string IteratorExpression(std::string_view column, IteratorType type) const = 0;
  // The WHERE condition for `range` over the wrapped model, appending its bounds to `params`.
  // With `include_unparsable`, rows whose column is set but does not parse are kept too.
  // InvalidArgument when a bound is not a value of the iterator's kind.
  virtual core::StatusOr<std::string> RangePredicate(const Range& range, bool include_unparsable,
                                                     std::vector<SqlParam>* params) const = 0;
  // The wsync type of a declared column type ("BIGINT", "NUMERIC(10,2)"); nullopt when the
  // warehouse declares none (the type is then inferred from sample rows).
  virtual std::optional<core::Type> ColumnType(std::string_view declared) const = 0;

  // SELECT * FROM (<model>) AS m.
  std::string WrapModel(std::string_view model_sql) const;
  // The wrapped model with no rows: its columns without running it to completion.
  std::string DescribeQuery(std::string_view model_sql) const;
  // The wrapped model restricted to every range (ANDed), with an optional LIMIT (negative
  // limits read nothing).
  core::StatusOr<std::string> ExtractQuery(std::string_view model_sql,
                                           const std::vector<Range>& ranges,
                                           std::optional<int64_t> limit,
                                           std::vector<SqlParam>* params) const;
  // The largest comparable value of `range.column` within `range` (unparsable values have no
  // comparable form, so MAX skips them).
  core::StatusOr<std::string> MaxIteratorQuery(std::string_view model_sql, const Range& range,
                                               std::vector<SqlParam>* params) const;
};

}  // namespace wsync::warehouse
