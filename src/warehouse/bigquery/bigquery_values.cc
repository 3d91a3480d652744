#include "warehouse/bigquery/bigquery_values.h"

#include <cctype>
#include <charconv>
#include <cstdint>

#include "core/time.h"
#include "warehouse/http/base64.h"

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
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) s.remove_prefix(1);
  size_t dot = s.find('.');
  if (dot == std::string_view::npos) return IsDigits(s);
  return IsDigits(s.substr(0, dot)) && IsDigits(s.substr(dot + 1));
}

// "HH:MM:SS[.ffffff]" with the fraction's trailing zeros dropped; the text itself otherwise.
core::Value ReadTime(std::string_view text) {
  if (text.size() < 8 || text[2] != ':' || text[5] != ':' || !IsDigits(text.substr(0, 2)) ||
      !IsDigits(text.substr(3, 2)) || !IsDigits(text.substr(6, 2))) {
    return core::Value::String(std::string(text));
  }
  std::string out(text);
  if (out.size() > 8) {
    if (out[8] != '.' || !IsDigits(std::string_view(out).substr(9))) {
      return core::Value::String(std::move(out));
    }
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out.pop_back();
  }
  return core::Value::String(std::move(out));
}

}  // namespace

BigQueryKind BigQueryKindOf(std::string_view type) {
  std::string t(type);
  for (char& c : t) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (t == "INTEGER" || t == "INT64") return BigQueryKind::kInt64;
  if (t == "FLOAT" || t == "FLOAT64") return BigQueryKind::kFloat64;
  if (t == "NUMERIC" || t == "BIGNUMERIC" || t == "DECIMAL" || t == "BIGDECIMAL") {
    return BigQueryKind::kNumeric;
  }
  if (t == "BOOLEAN" || t == "BOOL") return BigQueryKind::kBool;
  if (t == "STRING") return BigQueryKind::kString;
  if (t == "BYTES") return BigQueryKind::kBytes;
  if (t == "DATE") return BigQueryKind::kDate;
  if (t == "DATETIME") return BigQueryKind::kDateTime;
  if (t == "TIME") return BigQueryKind::kTime;
  if (t == "TIMESTAMP") return BigQueryKind::kTimestamp;
  if (t == "JSON") return BigQueryKind::kJson;
  if (t == "RECORD" || t == "STRUCT") return BigQueryKind::kRecord;
  return BigQueryKind::kOther;
}

core::Type BigQueryColumnType(const BigQueryField& field) {
  if (field.kind == BigQueryKind::kRecord) return core::Type::kString;
  if (field.repeated) return core::Type::kArray;
  switch (field.kind) {
    case BigQueryKind::kInt64:
      return core::Type::kInt64;
    case BigQueryKind::kFloat64:
      return core::Type::kDouble;
    case BigQueryKind::kNumeric:
      return core::Type::kDecimal;
    case BigQueryKind::kBool:
      return core::Type::kBool;
    case BigQueryKind::kBytes:
      return core::Type::kBytes;
    case BigQueryKind::kDate:
      return core::Type::kDate;
    case BigQueryKind::kDateTime:
    case BigQueryKind::kTimestamp:
      return core::Type::kTimestamp;
    case BigQueryKind::kString:
    case BigQueryKind::kTime:
    case BigQueryKind::kJson:
    case BigQueryKind::kRecord:
    case BigQueryKind::kOther:
      return core::Type::kString;
  }
  return core::Type::kString;
}

bool ParseBigQuerySeconds(std::string_view text, int64_t* micros) {
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  int64_t exponent = 0;
  if (size_t e = text.find_first_of("eE"); e != std::string_view::npos) {
    std::string_view exp = text.substr(e + 1);
    bool exp_negative = false;
    if (!exp.empty() && (exp.front() == '-' || exp.front() == '+')) {
      exp_negative = exp.front() == '-';
      exp.remove_prefix(1);
    }
    if (!IsDigits(exp) || exp.size() > 4) return false;
    std::from_chars(exp.data(), exp.data() + exp.size(), exponent);
    if (exp_negative) exponent = -exponent;
    text = text.substr(0, e);
  }
  std::string_view whole = text, fraction;
  if (size_t dot = text.find('.'); dot != std::string_view::npos) {
    whole = text.substr(0, dot);
    fraction = text.substr(dot + 1);
    if (!fraction.empty() && !IsDigits(fraction)) return false;
  }
  if ((!whole.empty() && !IsDigits(whole)) || (whole.empty() && fraction.empty())) return false;
  // value = digits × 10^(exponent - fraction digits) seconds; kept in integers throughout.
  std::string digits = std::string(whole) + std::string(fraction);
  size_t first = digits.find_first_not_of('0');
  digits = first == std::string::npos ? "0" : digits.substr(first);
  if (digits.size() > 30) return false;  // more than any double prints
  int64_t shift = exponent - static_cast<int64_t>(fraction.size()) + 6;  // to microseconds
  __int128 v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  if (shift >= 0) {
    if (v != 0 && static_cast<int64_t>(digits.size()) + shift > 19) return false;
    for (int64_t i = 0; i < shift; ++i) v *= 10;
  } else if (-shift > 38) {
    v = 0;
  } else {
    __int128 divisor = 1;
    for (int64_t i = 0; i < -shift; ++i) divisor *= 10;
    v = (v + divisor / 2) / divisor;  // to the nearest microsecond, halves away from zero
  }
  const int64_t result = static_cast<int64_t>(negative ? -v : v);
  if (!core::InTimestampRange(result)) return false;
  *micros = result;
  return true;
}

core::Value ReadBigQueryScalar(BigQueryKind kind, std::string_view text) {
  switch (kind) {
    case BigQueryKind::kInt64: {
      int64_t v = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec == std::errc() && end == text.data() + text.size()) return core::Value::Int64(v);
      if (IsDecimalText(text) && text.find('.') == std::string_view::npos) {
        return core::Value::Dec(std::string(text));
      }
      break;
    }
    case BigQueryKind::kFloat64: {
      if (text.empty() ||
          !(std::isdigit(static_cast<unsigned char>(text.back())) || text.back() == '.')) {
        break;  // NaN, Infinity, -Infinity: no wsync double holds them
      }
      double d = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
      if (ec == std::errc() && end == text.data() + text.size()) return core::Value::Double(d);
      break;
    }
    case BigQueryKind::kNumeric:
      if (IsDecimalText(text)) {
        return core::Value::Dec(std::string(text.starts_with('+') ? text.substr(1) : text));
      }
      break;
    case BigQueryKind::kBool:
      if (text == "true" || text == "TRUE") return core::Value::Bool(true);
      if (text == "false" || text == "FALSE") return core::Value::Bool(false);
      break;
    case BigQueryKind::kBytes: {
      std::string bytes;
      if (Base64Decode(text, &bytes)) return core::Value::BytesValue(std::move(bytes));
      break;
    }
    case BigQueryKind::kDate:
      if (auto days = core::ParseDate(text)) return core::Value::DateValue(*days);
      break;
    case BigQueryKind::kDateTime:
      // "2024-05-01T12:00:00.123456": no zone, read as UTC.
      if (text.size() >= 10 && core::ParseDate(text.substr(0, 10)) &&
          text.find_first_of("Zz+", 10) == std::string_view::npos) {
        if (auto micros = core::ParseTimestamp(text)) return core::Value::TimestampValue(*micros);
      }
      break;
    case BigQueryKind::kTime:
      return ReadTime(text);
    case BigQueryKind::kTimestamp: {
      int64_t micros = 0;
      if (ParseBigQuerySeconds(text, &micros)) return core::Value::TimestampValue(micros);
      break;
    }
    case BigQueryKind::kString:
    case BigQueryKind::kJson:
    case BigQueryKind::kRecord:
    case BigQueryKind::kOther:
      break;
  }
  return core::Value::String(std::string(text));
}

}  // namespace wsync::warehouse
