#include "warehouse/postgres/postgres_dialect.h"

#include <cctype>
#include <cstdio>

#include "core/time.h"

namespace wsync::warehouse {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

}  // namespace

std::string PostgresDialect::QuoteIdentifier(std::string_view name) const {
  return Dialect::QuoteIdentifier(flavor_ == Flavor::kRedshift ? Lower(name) : std::string(name));
}

std::string PostgresDialect::IteratorExpression(std::string_view column, IteratorType type) const {
  const std::string c = "(m." + QuoteIdentifier(column) + ")";
  switch (type) {
    case IteratorType::kTimestamp:
      return c + "::timestamptz";
    case IteratorType::kDate:
      return c + "::date";
    case IteratorType::kUnixMs:
    case IteratorType::kUnixS:
    case IteratorType::kInteger:
      return c + "::bigint";
  }
  return "NULL";
}

std::string PostgresDialect::FormatTimestampLiteral(int64_t micros) {
  int64_t days = core::FloorDiv(micros, core::kMicrosPerDay);
  int64_t rest = micros - days * core::kMicrosPerDay;
  core::CivilDate d = core::CivilFromDays(static_cast<int32_t>(days));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06d+00", d.year, d.month, d.day,
                static_cast<int>(rest / 3'600'000'000), static_cast<int>(rest / 60'000'000 % 60),
                static_cast<int>(rest / 1'000'000 % 60), static_cast<int>(rest % 1'000'000));
  return buf;
}

core::StatusOr<std::string> PostgresDialect::RangePredicate(
    const Range& range, bool /*include_unparsable*/, std::vector<SqlParam>* /*params*/) const {
  const std::string expr = IteratorExpression(range.column, range.type);
  const auto literal = [&](const core::Value& v) -> core::StatusOr<std::string> {
    RETURN_IF_ERROR(CheckRangeBound(range, v));
    switch (range.type) {
      case IteratorType::kTimestamp:
        return "CAST(" + QuoteLiteral(FormatTimestampLiteral(v.timestamp_value())) +
               " AS TIMESTAMPTZ)";
      case IteratorType::kDate:
        return "CAST(" + QuoteLiteral(core::FormatDate(v.date_value())) + " AS DATE)";
      case IteratorType::kUnixMs:
      case IteratorType::kUnixS:
      case IteratorType::kInteger:
        return "CAST(" + QuoteLiteral(std::to_string(v.int64_value())) + " AS BIGINT)";
    }
    return core::Internal("unknown iterator type");  // CheckRangeBound refused it already
  };
  // A cast never yields NULL for a set value (it fails the statement instead), so "set but
  // unparsable" rows do not exist here and include_unparsable adds nothing.
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

core::StatusOr<std::string> PostgresDialect::ExtractStatement(std::string_view model_sql,
                                                              const std::vector<Range>& ranges,
                                                              std::optional<int64_t> limit) const {
  std::vector<SqlParam> params;
  ASSIGN_OR_RETURN(std::string text, ExtractQuery(model_sql, ranges, std::nullopt, &params));
  if (limit) text += " LIMIT " + std::to_string(*limit < 0 ? 0 : *limit);
  return text;
}

std::string PostgresDialect::DeclareCursor(std::string_view name,
                                           std::string_view statement) const {
  return "DECLARE " + std::string(name) +
         (flavor_ == Flavor::kRedshift ? " CURSOR FOR " : " NO SCROLL CURSOR FOR ") +
         std::string(statement);
}

std::optional<core::Type> PostgresDialect::ColumnType(std::string_view declared) const {
  std::string d = Lower(TrimBlanks(declared));
  if (d.empty()) return std::nullopt;
  if (d.ends_with("[]")) return core::Type::kArray;
  if (d.starts_with("_")) return core::Type::kArray;  // the internal name of an array type
  if (size_t paren = d.find('('); paren != std::string::npos) {
    // "numeric(10,2)", "timestamp(3) with time zone": the arguments say nothing about the type.
    size_t close = d.find(')', paren);
    d = std::string(TrimBlanks(d.substr(0, paren))) +
        (close == std::string::npos ? "" : d.substr(close + 1));
  }
  if (d == "bool" || d == "boolean") return core::Type::kBool;
  if (d == "int2" || d == "int4" || d == "int8" || d == "smallint" || d == "integer" ||
      d == "int" || d == "bigint" || d == "oid") {
    return core::Type::kInt64;
  }
  if (d == "float4" || d == "float8" || d == "real" || d == "double precision" || d == "float") {
    return core::Type::kDouble;
  }
  if (d == "numeric" || d == "decimal") return core::Type::kDecimal;
  if (d == "date") return core::Type::kDate;
  if (d.starts_with("timestamp")) return core::Type::kTimestamp;  // with or without time zone
  if (d == "bytea") return core::Type::kBytes;
  // text, varchar, char, uuid, json, jsonb, time, interval and everything else: their text form.
  return core::Type::kString;
}

}  // namespace wsync::warehouse
