#include "warehouse/snowflake/snowflake_values.h"

#include <cctype>
#include <charconv>
#include <cstdio>

#include "core/time.h"

namespace wsync::warehouse {
namespace {

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// [-]digits[.digits]
bool IsDecimalText(std::string_view s) {
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  size_t dot = s.find('.');
  if (dot == std::string_view::npos) return IsDigits(s);
  return IsDigits(s.substr(0, dot)) && IsDigits(s.substr(dot + 1));
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

core::Value ReadFixed(const SnowflakeColumn& column, std::string_view text) {
  if (!IsDecimalText(text)) return core::Value::String(std::string(text));
  if (column.scale == 0 && text.find('.') == std::string_view::npos) {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc() && end == text.data() + text.size()) return core::Value::Int64(v);
  }
  return core::Value::Dec(std::string(text));
}

core::Value ReadTime(std::string_view text) {
  int64_t micros = 0;
  if (!ParseSnowflakeSeconds(text, &micros) || micros < 0 || micros >= core::kMicrosPerDay) {
    return core::Value::String(std::string(text));
  }
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", static_cast<int>(micros / 3'600'000'000),
                        static_cast<int>(micros / 60'000'000 % 60),
                        static_cast<int>(micros / 1'000'000 % 60));
  std::string out(buf, static_cast<size_t>(n));
  if (int frac = static_cast<int>(micros % 1'000'000); frac != 0) {
    std::snprintf(buf, sizeof buf, ".%06d", frac);
    out += buf;
    while (out.back() == '0') out.pop_back();
  }
  return core::Value::String(std::move(out));
}

}  // namespace

SnowflakeKind SnowflakeKindOf(std::string_view type) {
  std::string t(type);
  for (char& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "fixed" || t == "number" || t == "decimal" || t == "numeric") {
    return SnowflakeKind::kFixed;
  }
  if (t == "real" || t == "float" || t == "double") return SnowflakeKind::kReal;
  if (t == "text" || t == "varchar" || t == "string" || t == "char") return SnowflakeKind::kText;
  if (t == "boolean") return SnowflakeKind::kBoolean;
  if (t == "date") return SnowflakeKind::kDate;
  if (t == "time") return SnowflakeKind::kTime;
  if (t == "timestamp_ntz" || t == "timestamp_ltz" || t == "timestamp") {
    return SnowflakeKind::kTimestamp;
  }
  if (t == "timestamp_tz") return SnowflakeKind::kTimestampTz;
  if (t == "binary") return SnowflakeKind::kBinary;
  if (t == "variant" || t == "object" || t == "array") return SnowflakeKind::kJson;
  return SnowflakeKind::kOther;
}

core::Type SnowflakeColumnType(const SnowflakeColumn& column) {
  switch (column.kind) {
    case SnowflakeKind::kFixed:
      return column.scale > 0 ? core::Type::kDecimal : core::Type::kInt64;
    case SnowflakeKind::kReal:
      return core::Type::kDouble;
    case SnowflakeKind::kBoolean:
      return core::Type::kBool;
    case SnowflakeKind::kDate:
      return core::Type::kDate;
    case SnowflakeKind::kTimestamp:
    case SnowflakeKind::kTimestampTz:
      return core::Type::kTimestamp;
    case SnowflakeKind::kBinary:
      return core::Type::kBytes;
    case SnowflakeKind::kText:
    case SnowflakeKind::kTime:
    case SnowflakeKind::kJson:
    case SnowflakeKind::kOther:
      return core::Type::kString;
  }
  return core::Type::kString;
}

bool ParseSnowflakeSeconds(std::string_view text, int64_t* micros) {
  if (size_t space = text.find(' '); space != std::string_view::npos) {
    std::string_view offset = text.substr(space + 1);
    if (!IsDigits(offset)) return false;
    text = text.substr(0, space);
  }
  bool negative = false;
  if (!text.empty() && text.front() == '-') {
    negative = true;
    text.remove_prefix(1);
  }
  std::string_view whole = text, fraction;
  if (size_t dot = text.find('.'); dot != std::string_view::npos) {
    whole = text.substr(0, dot);
    fraction = text.substr(dot + 1);
    if (!IsDigits(fraction)) return false;
  }
  // Years 1..9999 need at most 12 digits of seconds; more cannot be held.
  if (!IsDigits(whole) || whole.size() > 12) return false;
  int64_t seconds = 0;
  std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
  int64_t sub = 0;
  bool rest = false;  // digits past the microsecond
  for (size_t i = 0; i < fraction.size(); ++i) {
    if (i < 6) {
      sub = sub * 10 + (fraction[i] - '0');
    } else if (fraction[i] != '0') {
      rest = true;
    }
  }
  for (size_t i = fraction.size(); i < 6; ++i) sub *= 10;
  int64_t v = seconds * core::kMicrosPerSecond + sub;
  if (negative) v = -v - (rest ? 1 : 0);
  if (!core::InTimestampRange(v)) return false;
  *micros = v;
  return true;
}

core::Value ReadSnowflakeValue(const SnowflakeColumn& column, std::string_view text) {
  switch (column.kind) {
    case SnowflakeKind::kFixed:
      return ReadFixed(column, text);
    case SnowflakeKind::kReal: {
      double d = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
      if (ec == std::errc() && end == text.data() + text.size()) return core::Value::Double(d);
      break;
    }
    case SnowflakeKind::kBoolean:
      if (text == "true" || text == "TRUE" || text == "1") return core::Value::Bool(true);
      if (text == "false" || text == "FALSE" || text == "0") return core::Value::Bool(false);
      break;
    case SnowflakeKind::kDate: {
      int64_t days = 0;
      std::string_view digits = text.starts_with('-') ? text.substr(1) : text;
      if (!IsDigits(digits) || digits.size() > 7) break;
      std::from_chars(text.data(), text.data() + text.size(), days);
      if (days < core::DaysFromCivil({1, 1, 1}) || days > core::DaysFromCivil({9999, 12, 31})) {
        break;
      }
      return core::Value::DateValue(static_cast<int32_t>(days));
    }
    case SnowflakeKind::kTime:
      return ReadTime(text);
    case SnowflakeKind::kTimestamp:
    case SnowflakeKind::kTimestampTz: {
      int64_t micros = 0;
      if (ParseSnowflakeSeconds(text, &micros)) return core::Value::TimestampValue(micros);
      break;
    }
    case SnowflakeKind::kBinary: {
      if (text.size() % 2 != 0) break;
      std::string bytes;
      bytes.reserve(text.size() / 2);
      bool ok = true;
      for (size_t i = 0; i < text.size() && ok; i += 2) {
        int hi = HexDigit(text[i]), lo = HexDigit(text[i + 1]);
        ok = hi >= 0 && lo >= 0;
        bytes.push_back(static_cast<char>(hi * 16 + lo));
      }
      if (ok) return core::Value::BytesValue(std::move(bytes));
      break;
    }
    case SnowflakeKind::kText:
    case SnowflakeKind::kJson:
    case SnowflakeKind::kOther:
      break;
  }
  return core::Value::String(std::string(text));
}

}  // namespace wsync::warehouse
