#include "warehouse/databricks/databricks_dialect.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "core/time.h"
#include "warehouse/databricks/databricks_result.h"

namespace wsync::warehouse {

std::string DatabricksDialect::QuoteIdentifier(std::string_view name) const {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

std::string DatabricksDialect::QuoteLiteral(std::string_view text) const {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string DatabricksDialect::IteratorExpression(std::string_view column,
                                                  IteratorType type) const {
  const std::string c = "m." + QuoteIdentifier(column);
  switch (type) {
    case IteratorType::kTimestamp:
      return "to_timestamp(" + c + ")";
    case IteratorType::kDate:
      return "to_date(" + c + ")";
    case IteratorType::kUnixMs:
    case IteratorType::kUnixS:
    case IteratorType::kInteger:
      return "CAST(" + c + " AS BIGINT)";
  }
  return "NULL";
}

std::string DatabricksDialect::FormatTimestamp(int64_t micros) {
  const int64_t days = core::FloorDiv(micros, core::kMicrosPerDay);
  const int64_t rest = micros - days * core::kMicrosPerDay;
  const core::CivilDate d = core::CivilFromDays(static_cast<int32_t>(days));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06d+00:00", d.year, d.month, d.day,
                static_cast<int>(rest / 3'600'000'000), static_cast<int>(rest / 60'000'000 % 60),
                static_cast<int>(rest / 1'000'000 % 60), static_cast<int>(rest % 1'000'000));
  return buf;
}

core::StatusOr<std::string> DatabricksDialect::RangePredicate(
    const Range& range, bool /*include_unparsable*/, std::vector<SqlParam>* /*params*/) const {
  const std::string expr = IteratorExpression(range.column, range.type);
  const auto literal = [&](const core::Value& v) -> core::StatusOr<std::string> {
    RETURN_IF_ERROR(CheckRangeBound(range, v));
    switch (range.type) {
      case IteratorType::kTimestamp:
        return "TIMESTAMP '" + FormatTimestamp(v.timestamp_value()) + "'";
      case IteratorType::kDate:
        return "DATE '" + core::FormatDate(v.date_value()) + "'";
      case IteratorType::kUnixMs:
      case IteratorType::kUnixS:
      case IteratorType::kInteger:
        return "CAST(" + std::to_string(v.int64_value()) + " AS BIGINT)";
    }
    return core::Internal("unknown iterator type");
  };
  // A conversion fails the statement on a value it cannot read (ANSI mode) rather than giving
  // NULL, so there are no "set but unparsable" rows to keep.
  std::string out = "(" + expr + " IS NOT NULL";
  if (range.lower) {
    ASSIGN_OR_RETURN(std::string lit, literal(*range.lower));
    out += " AND " + expr + (range.lower_inclusive ? " >= " : " > ") + lit;
  }
  if (range.upper) {
    ASSIGN_OR_RETURN(std::string lit, literal(*range.upper));
    out += " AND " + expr + (range.upper_exclusive ? " < " : " <= ") + lit;
  }
  return out + ")";
}

core::StatusOr<std::string> DatabricksDialect::ExtractStatement(
    std::string_view model_sql, const std::vector<Range>& ranges,
    std::optional<int64_t> limit) const {
  std::vector<SqlParam> params;
  ASSIGN_OR_RETURN(std::string text, ExtractQuery(model_sql, ranges, std::nullopt, &params));
  if (limit) text += " LIMIT " + std::to_string(*limit < 0 ? 0 : *limit);
  return text;
}

std::optional<core::Type> DatabricksDialect::ColumnType(std::string_view declared) const {
  std::string d(declared);
  for (char& c : d) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  while (!d.empty() && d.front() == ' ') d.erase(0, 1);
  while (!d.empty() && d.back() == ' ') d.pop_back();
  if (d.empty()) return std::nullopt;
  DatabricksColumn c;
  if (size_t open = d.find_first_of("(<"); open != std::string::npos) {
    if (d[open] == '(') {
      c.precision = std::atoi(d.c_str() + open + 1);
      if (size_t comma = d.find(',', open); comma != std::string::npos) {
        c.scale = std::atoi(d.c_str() + comma + 1);
      }
    }
    d.resize(open);
    while (!d.empty() && d.back() == ' ') d.pop_back();
  } else if (d == "DECIMAL" || d == "DEC" || d == "NUMERIC") {
    c.precision = 10;  // Databricks' default DECIMAL(10,0)
  }
  if (d == "DEC" || d == "NUMERIC") d = "DECIMAL";
  c.kind = DatabricksKindOf(d);
  return DatabricksColumnType(c);
}

}  // namespace wsync::warehouse
