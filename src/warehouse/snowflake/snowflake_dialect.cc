#include "warehouse/snowflake/snowflake_dialect.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "core/time.h"

namespace wsync::warehouse {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string SnowflakeDialect::QuoteIdentifier(std::string_view name) const {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string SnowflakeDialect::QuoteLiteral(std::string_view text) const {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string SnowflakeDialect::SelectFromModel(std::string_view expressions,
                                              std::string_view model_sql) const {
  return "SELECT " + std::string(expressions) + " FROM (\n" + std::string(model_sql) + "\n) AS m";
}

std::string SnowflakeDialect::IteratorExpression(std::string_view column, IteratorType type) const {
  const std::string c = "m." + QuoteIdentifier(column);
  switch (type) {
    case IteratorType::kTimestamp:
      return "TO_TIMESTAMP_TZ(" + c + ")";
    case IteratorType::kDate:
      return "TO_DATE(" + c + ")";
    case IteratorType::kUnixMs:
    case IteratorType::kUnixS:
    case IteratorType::kInteger:
      return "TO_NUMBER(" + c + ")";
  }
  return "NULL";
}

std::string SnowflakeDialect::FormatTimestamp(int64_t micros) {
  int64_t days = core::FloorDiv(micros, core::kMicrosPerDay);
  int64_t rest = micros - days * core::kMicrosPerDay;
  core::CivilDate d = core::CivilFromDays(static_cast<int32_t>(days));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06d +00:00", d.year, d.month,
                d.day, static_cast<int>(rest / 3'600'000'000),
                static_cast<int>(rest / 60'000'000 % 60), static_cast<int>(rest / 1'000'000 % 60),
                static_cast<int>(rest % 1'000'000));
  return buf;
}

core::StatusOr<std::string> SnowflakeDialect::RangePredicate(
    const Range& range, bool /*include_unparsable*/, std::vector<SqlParam>* /*params*/) const {
  const std::string expr = IteratorExpression(range.column, range.type);
  const auto literal = [&](const core::Value& v) -> core::StatusOr<std::string> {
    const auto mismatch = [&](std::string_view wanted) {
      return core::InvalidArgument("range on column '" + range.column + "' (" +
                                   std::string(IteratorTypeName(range.type)) + "): bound " +
                                   v.ToText() + " is not a " + std::string(wanted));
    };
    switch (range.type) {
      case IteratorType::kTimestamp:
        if (v.type() != core::Type::kTimestamp) return mismatch("timestamp");
        return "TO_TIMESTAMP_TZ(" + QuoteLiteral(FormatTimestamp(v.timestamp_value())) +
               ", 'YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM')";
      case IteratorType::kDate:
        if (v.type() != core::Type::kDate) return mismatch("date");
        return "TO_DATE(" + QuoteLiteral(core::FormatDate(v.date_value())) + ", 'YYYY-MM-DD')";
      case IteratorType::kUnixMs:
      case IteratorType::kUnixS:
      case IteratorType::kInteger:
        if (v.type() != core::Type::kInt64) return mismatch("int64");
        return "TO_NUMBER(" + std::to_string(v.int64_value()) + ")";
    }
    return mismatch("known iterator type");
  };
  // A conversion never yields NULL for a set value (it fails the statement instead), so there
  // are no "set but unparsable" rows to keep and include_unparsable adds nothing.
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

core::StatusOr<std::string> SnowflakeDialect::ExtractStatement(std::string_view model_sql,
                                                               const std::vector<Range>& ranges,
                                                               std::optional<int64_t> limit) const {
  std::vector<SqlParam> params;
  ASSIGN_OR_RETURN(std::string text, ExtractQuery(model_sql, ranges, std::nullopt, &params));
  if (limit) text += " LIMIT " + std::to_string(*limit < 0 ? 0 : *limit);
  return text;
}

std::optional<core::Type> SnowflakeDialect::ColumnType(std::string_view declared) const {
  std::string d = Upper(declared);
  while (!d.empty() && d.front() == ' ') d.erase(0, 1);
  while (!d.empty() && d.back() == ' ') d.pop_back();
  if (d.empty()) return std::nullopt;
  int scale = 0;
  if (size_t paren = d.find('('); paren != std::string::npos) {
    if (size_t comma = d.find(',', paren); comma != std::string::npos) {
      scale = std::atoi(d.c_str() + comma + 1);
    }
    d = d.substr(0, paren);
    while (!d.empty() && d.back() == ' ') d.pop_back();
  }
  if (d == "NUMBER" || d == "DECIMAL" || d == "NUMERIC" || d == "FIXED") {
    return scale > 0 ? core::Type::kDecimal : core::Type::kInt64;
  }
  if (d == "INT" || d == "INTEGER" || d == "BIGINT" || d == "SMALLINT" || d == "TINYINT" ||
      d == "BYTEINT") {
    return core::Type::kInt64;
  }
  if (d == "FLOAT" || d == "FLOAT4" || d == "FLOAT8" || d == "DOUBLE" || d == "DOUBLE PRECISION" ||
      d == "REAL") {
    return core::Type::kDouble;
  }
  if (d == "BOOLEAN") return core::Type::kBool;
  if (d == "DATE") return core::Type::kDate;
  if (d.starts_with("TIMESTAMP") || d == "DATETIME") return core::Type::kTimestamp;
  if (d == "BINARY" || d == "VARBINARY") return core::Type::kBytes;
  return core::Type::kString;
}

}  // namespace wsync::warehouse
