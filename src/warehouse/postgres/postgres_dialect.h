// PostgresDialect: the Dialect (dialect.h) of PostgreSQL and, with Flavor::kRedshift, of Amazon
// Redshift — identifier and literal quoting, the subquery wrap of a data model, the iterator
// expressions and range predicates, and the mapping of PostgreSQL type names to wsync types.
//
// Range bounds are written as literals cast to the iterator's type (CAST('...' AS TIMESTAMPTZ),
// CAST('...' AS DATE), CAST('...' AS BIGINT)), never as parameters: a server-side cursor
// (DECLARE ... CURSOR FOR) then carries the whole statement, on PostgreSQL and on Redshift
// alike, and no '?' needs renumbering. So RangePredicate never appends to `params`.
//
// Iterator columns are compared in their own type through a plain cast — (m."col")::timestamptz,
// ::date, ::bigint — so the planner can push the bound into the model and use an index. The
// session runs with TimeZone UTC, so a TIMESTAMP (without time zone) column is read as UTC.
// A value that cannot be cast (a text column holding "soon") fails the statement instead of
// being kept as an unparsable row: PostgreSQL 15 has no non-failing cast.
//
// Redshift differences: identifiers are case-insensitive (Redshift lowercases quoted names unless
// enable_case_sensitive_identifier is on, and reports column names in lower case), so
// QuoteIdentifier lowercases and FoldsIdentifierCase is true.
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

class PostgresDialect : public Dialect {
 public:
  enum class Flavor { kPostgres, kRedshift };
  explicit PostgresDialect(Flavor flavor = Flavor::kPostgres) : flavor_(flavor) {}

  Flavor flavor() const { return flavor_; }
  SqlDialect guard() const override { return SqlDialect::kPostgres; }
  bool FoldsIdentifierCase() const override { return flavor_ == Flavor::kRedshift; }
  // Dialect's standard quoting, lowercased (ASCII) on Redshift. Literals and the model's wrap
  // are Dialect's standard ones: backslashes in a literal stay as they are, since both servers
  // run with standard_conforming_strings on (the connector checks it on PostgreSQL).
  std::string QuoteIdentifier(std::string_view name) const override;
  std::string IteratorExpression(std::string_view column, IteratorType type) const override;
  core::StatusOr<std::string> RangePredicate(const Range& range, bool include_unparsable,
                                             std::vector<SqlParam>* params) const override;
  std::optional<core::Type> ColumnType(std::string_view declared) const override;

  // The extraction statement: the wrapped model within every range, with an optional LIMIT,
  // all bounds as literals (so no parameters).
  core::StatusOr<std::string> ExtractStatement(std::string_view model_sql,
                                               const std::vector<Range>& ranges,
                                               std::optional<int64_t> limit) const;
  // DECLARE <name> [NO SCROLL] CURSOR FOR <statement>; Redshift's DECLARE has no NO SCROLL.
  std::string DeclareCursor(std::string_view name, std::string_view statement) const;

  // The literal of a bound: 'YYYY-MM-DD HH:MM:SS.ffffff+00' (UTC) for a timestamp.
  static std::string FormatTimestampLiteral(int64_t micros);

 private:
  Flavor flavor_;
};

}  // namespace wsync::warehouse
