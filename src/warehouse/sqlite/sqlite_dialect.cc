#include "warehouse/sqlite/sqlite_dialect.h"

#include <cctype>
#include <cstdio>

#include "core/time.h"

namespace wsync::warehouse {
namespace {

constexpr std::string_view kTimestampFormat = "'%Y-%m-%d %H:%M:%f'";

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

core::StatusOr<SqlParam> BoundParam(const Range& range, const core::Value& v) {
  RETURN_IF_ERROR(CheckRangeBound(range, v));
  switch (range.type) {
    case IteratorType::kTimestamp:
      return SqlParam(SqliteDialect::FormatTimestampBound(v.timestamp_value()));
    case IteratorType::kDate:
      return SqlParam(core::FormatDate(v.date_value()));
    case IteratorType::kUnixMs:
    case IteratorType::kUnixS:
    case IteratorType::kInteger:
      return SqlParam(v.int64_value());
  }
  return core::Internal("unknown iterator type");  // CheckRangeBound refused it already
}

}  // namespace

std::string SqliteDialect::IteratorExpression(std::string_view column, IteratorType type) const {
  const std::string c = "m." + QuoteIdentifier(column);
  const std::string fmt(kTimestampFormat);
  switch (type) {
    // Integers are unix seconds and reals julian days, as in the value conversion; text takes
    // every form SQLite's date functions read ('T' or ' ', fractions, Z or +HH:MM).
    case IteratorType::kTimestamp:
      return "(CASE typeof(" + c + ") WHEN 'integer' THEN strftime(" + fmt + ", " + c +
             ", 'unixepoch') WHEN 'real' THEN strftime(" + fmt + ", " + c +
             ") WHEN 'text' THEN strftime(" + fmt + ", " + c + ") END)";
    case IteratorType::kDate:
      return "(CASE typeof(" + c + ") WHEN 'integer' THEN date(" + c +
             ", 'unixepoch') WHEN 'real' THEN date(" + c + ") WHEN 'text' THEN date(" + c +
             ") END)";
    case IteratorType::kUnixMs:
    case IteratorType::kUnixS:
    case IteratorType::kInteger:
      // Reals and text count only when they are exactly an integer: CAST alone reads 1.5 as 1
      // and '12abc' as 12.
      return "(CASE typeof(" + c + ") WHEN 'integer' THEN " + c + " WHEN 'real' THEN (CASE WHEN " +
             c + " = CAST(" + c + " AS INTEGER) THEN CAST(" + c +
             " AS INTEGER) END) WHEN 'text' THEN (CASE WHEN CAST(CAST(trim(" + c +
             ") AS INTEGER) AS TEXT) = trim(" + c + ") THEN CAST(trim(" + c +
             ") AS INTEGER) END) END)";
  }
  return "NULL";
}

core::StatusOr<std::string> SqliteDialect::RangePredicate(const Range& range,
                                                          bool include_unparsable,
                                                          std::vector<SqlParam>* params) const {
  const std::string norm = IteratorExpression(range.column, range.type);
  std::string bounds = norm + " IS NOT NULL";
  if (range.lower) {
    ASSIGN_OR_RETURN(SqlParam p, BoundParam(range, *range.lower));
    params->push_back(std::move(p));
    bounds += " AND " + norm + (range.lower_inclusive ? " >= ?" : " > ?");
  }
  if (range.upper) {
    ASSIGN_OR_RETURN(SqlParam p, BoundParam(range, *range.upper));
    params->push_back(std::move(p));
    bounds += " AND " + norm + (range.upper_exclusive ? " < ?" : " <= ?");
  }
  if (!include_unparsable) return "(" + bounds + ")";
  return "((" + bounds + ") OR (m." + QuoteIdentifier(range.column) + " IS NOT NULL AND " + norm +
         " IS NULL))";
}

std::string SqliteDialect::FormatTimestampBound(int64_t micros) {
  // Half-up to the millisecond, as SQLite rounds the fraction of the values it parses.
  int64_t millis = core::FloorDiv(micros + 500, 1000);
  int64_t days = core::FloorDiv(millis, 86'400'000);
  int64_t rest = millis - days * 86'400'000;
  core::CivilDate d = core::CivilFromDays(static_cast<int32_t>(days));
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%03d", d.year, d.month, d.day,
                static_cast<int>(rest / 3'600'000), static_cast<int>(rest / 60'000 % 60),
                static_cast<int>(rest / 1000 % 60), static_cast<int>(rest % 1000));
  return buf;
}

std::optional<core::Type> SqliteDialect::ColumnType(std::string_view declared) const {
  std::string d = Upper(declared);
  // "NUMERIC(10,2)" and "VARCHAR(255)": the arguments say nothing about the type.
  if (size_t paren = d.find('('); paren != std::string::npos) d.resize(paren);
  while (!d.empty() && d.back() == ' ') d.pop_back();
  if (d.empty()) return std::nullopt;
  if (d == "BOOL" || d == "BOOLEAN") return core::Type::kBool;
  if (d == "DATE") return core::Type::kDate;
  if (d.starts_with("DATETIME") || d.starts_with("TIMESTAMP")) return core::Type::kTimestamp;
  if (d == "NUMERIC" || d == "DECIMAL") return core::Type::kDecimal;
  // SQLite's affinity rules (https://www.sqlite.org/datatype3.html §3.1), in their order.
  if (d.find("INT") != std::string::npos) return core::Type::kInt64;
  if (d.find("CHAR") != std::string::npos || d.find("CLOB") != std::string::npos ||
      d.find("TEXT") != std::string::npos) {
    return core::Type::kString;
  }
  if (d.find("BLOB") != std::string::npos) return core::Type::kBytes;
  if (d.find("REAL") != std::string::npos || d.find("FLOA") != std::string::npos ||
      d.find("DOUB") != std::string::npos) {
    return core::Type::kDouble;
  }
  return core::Type::kDecimal;  // NUMERIC affinity
}

std::optional<core::Type> SqliteDialect::TypeFromDeclared(const char* declared) {
  if (declared == nullptr) return std::nullopt;
  return SqliteDialect().ColumnType(declared);
}

}  // namespace wsync::warehouse
