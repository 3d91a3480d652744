#include "warehouse/bigquery/bigquery_dialect.h"

#include <cctype>
#include <cstdio>

#include "core/time.h"

namespace wsync::warehouse {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string BigQueryDialect::QuoteIdentifier(std::string_view name) const {
  std::string out = "`";
  for (char c : name) {
    if (c == '`' || c == '\\') out += '\\';
    out += c;
  }
  return out + "`";
}

std::string BigQueryDialect::QuoteLiteral(std::string_view text) const {
  std::string out = "'";
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      if (c == '\'' || c == '\\') out += '\\';
      out += c;
    }
  }
  return out + "'";
}

std::string BigQueryDialect::SelectFromModel(std::string_view expressions,
                                             std::string_view model_sql) const {
  return "SELECT " + std::string(expressions) + " FROM (\n" + std::string(model_sql) + "\n) AS m";
}

std::string BigQueryDialect::IteratorExpression(std::string_view column, IteratorType type) const {
  const std::string c = "m." + QuoteIdentifier(column);
  switch (type) {
    case IteratorType::kTimestamp:
      return "CAST(" + c + " AS TIMESTAMP)";
    case IteratorType::kDate:
      return "CAST(" + c + " AS DATE)";
    case IteratorType::kUnixMs:
    case IteratorType::kUnixS:
    case IteratorType::kInteger:
      return "CAST(" + c + " AS INT64)";
  }
  return "NULL";
}

std::string BigQueryDialect::FormatTimestamp(int64_t micros) {
  int64_t days = core::FloorDiv(micros, core::kMicrosPerDay);
  int64_t rest = micros - days * core::kMicrosPerDay;
  core::CivilDate d = core::CivilFromDays(static_cast<int32_t>(days));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06d+00:00", d.year, d.month, d.day,
                static_cast<int>(rest / 3'600'000'000), static_cast<int>(rest / 60'000'000 % 60),
                static_cast<int>(rest / 1'000'000 % 60), static_cast<int>(rest % 1'000'000));
  return buf;
}

core::StatusOr<std::string> BigQueryDialect::RangePredicate(
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
        return "TIMESTAMP " + QuoteLiteral(FormatTimestamp(v.timestamp_value()));
      case IteratorType::kDate:
        if (v.type() != core::Type::kDate) return mismatch("date");
        return "DATE " + QuoteLiteral(core::FormatDate(v.date_value()));
      case IteratorType::kUnixMs:
      case IteratorType::kUnixS:
      case IteratorType::kInteger:
        if (v.type() != core::Type::kInt64) return mismatch("int64");
        return std::to_string(v.int64_value());
    }
    return mismatch("known iterator type");
  };
  // A CAST never yields NULL for a set value (it fails the statement instead), so "set but
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

core::StatusOr<std::string> BigQueryDialect::ExtractStatement(std::string_view model_sql,
                                                              const std::vector<Range>& ranges,
                                                              std::optional<int64_t> limit) const {
  std::vector<SqlParam> params;
  ASSIGN_OR_RETURN(std::string text, ExtractQuery(model_sql, ranges, std::nullopt, &params));
  if (limit) text += " LIMIT " + std::to_string(*limit < 0 ? 0 : *limit);
  return text;
}

std::optional<core::Type> BigQueryDialect::ColumnType(std::string_view declared) const {
  std::string d = Upper(declared);
  while (!d.empty() && d.front() == ' ') d.erase(0, 1);
  while (!d.empty() && d.back() == ' ') d.pop_back();
  if (d.empty()) return std::nullopt;
  if (d.starts_with("ARRAY")) return core::Type::kArray;
  if (d.starts_with("STRUCT") || d == "RECORD") return core::Type::kString;
  if (size_t paren = d.find('('); paren != std::string::npos) {
    d = d.substr(0, paren);
    while (!d.empty() && d.back() == ' ') d.pop_back();
  }
  if (d == "INT64" || d == "INT" || d == "INTEGER" || d == "BIGINT" || d == "SMALLINT" ||
      d == "TINYINT" || d == "BYTEINT") {
    return core::Type::kInt64;
  }
  if (d == "FLOAT64" || d == "FLOAT") return core::Type::kDouble;
  if (d == "NUMERIC" || d == "BIGNUMERIC" || d == "DECIMAL" || d == "BIGDECIMAL") {
    return core::Type::kDecimal;
  }
  if (d == "BOOL" || d == "BOOLEAN") return core::Type::kBool;
  if (d == "DATE") return core::Type::kDate;
  if (d == "DATETIME" || d == "TIMESTAMP") return core::Type::kTimestamp;
  if (d == "BYTES") return core::Type::kBytes;
  return core::Type::kString;
}

}  // namespace wsync::warehouse
