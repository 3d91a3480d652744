#include "warehouse/postgres/pg_values.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/time.h"

namespace wsync::warehouse {
namespace {

// Type OIDs of pg_type (stable across PostgreSQL versions; Redshift keeps them).
enum : PgOid {
  kBoolOid = 16,
  kByteaOid = 17,
  kInt8Oid = 20,
  kInt2Oid = 21,
  kInt4Oid = 23,
  kOidOid = 26,
  kFloat4Oid = 700,
  kFloat8Oid = 701,
  kDateOid = 1082,
  kTimestampOid = 1114,
  kTimestampTzOid = 1184,
  kNumericOid = 1700,
  kBoolArrayOid = 1000,
  kByteaArrayOid = 1001,
  kInt2ArrayOid = 1005,
  kInt4ArrayOid = 1007,
  kInt8ArrayOid = 1016,
  kOidArrayOid = 1028,
  kFloat4ArrayOid = 1021,
  kFloat8ArrayOid = 1022,
  kDateArrayOid = 1182,
  kTimestampArrayOid = 1115,
  kTimestampTzArrayOid = 1185,
  kNumericArrayOid = 1231,
  // Arrays whose elements are text: text, varchar, bpchar, name, uuid, json, jsonb, time, timetz,
  // interval, char.
  kTextArrayOid = 1009,
  kVarcharArrayOid = 1015,
  kBpcharArrayOid = 1014,
  kNameArrayOid = 1003,
  kUuidArrayOid = 2951,
  kJsonArrayOid = 199,
  kJsonbArrayOid = 3807,
  kTimeArrayOid = 1183,
  kTimeTzArrayOid = 1270,
  kIntervalArrayOid = 1187,
  kCharArrayOid = 1002,
};

PgKind ScalarKind(PgOid oid) {
  switch (oid) {
    case kBoolOid:
      return PgKind::kBool;
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid:
      return PgKind::kInt;
    case kFloat4Oid:
    case kFloat8Oid:
      return PgKind::kFloat;
    case kNumericOid:
      return PgKind::kNumeric;
    case kDateOid:
      return PgKind::kDate;
    case kTimestampOid:
    case kTimestampTzOid:
      return PgKind::kTimestamp;
    case kByteaOid:
      return PgKind::kBytes;
    default:
      return PgKind::kText;
  }
}

// The element kind of an array type; false when `oid` is no array wsync reads.
bool ArrayElement(PgOid oid, PgKind* element) {
  switch (oid) {
    case kBoolArrayOid:
      *element = PgKind::kBool;
      return true;
    case kInt2ArrayOid:
    case kInt4ArrayOid:
    case kInt8ArrayOid:
    case kOidArrayOid:
      *element = PgKind::kInt;
      return true;
    case kFloat4ArrayOid:
    case kFloat8ArrayOid:
      *element = PgKind::kFloat;
      return true;
    case kNumericArrayOid:
      *element = PgKind::kNumeric;
      return true;
    case kDateArrayOid:
      *element = PgKind::kDate;
      return true;
    case kTimestampArrayOid:
    case kTimestampTzArrayOid:
      *element = PgKind::kTimestamp;
      return true;
    case kByteaArrayOid:
      *element = PgKind::kBytes;
      return true;
    case kTextArrayOid:
    case kVarcharArrayOid:
    case kBpcharArrayOid:
    case kNameArrayOid:
    case kUuidArrayOid:
    case kJsonArrayOid:
    case kJsonbArrayOid:
    case kTimeArrayOid:
    case kTimeTzArrayOid:
    case kIntervalArrayOid:
    case kCharArrayOid:
      *element = PgKind::kText;
      return true;
    default:
      return false;
  }
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

core::Value ReadScalar(PgKind kind, std::string_view text) {
  switch (kind) {
    case PgKind::kBool:
      if (text == "t") return core::Value::Bool(true);
      if (text == "f") return core::Value::Bool(false);
      break;
    case PgKind::kInt: {
      int64_t v;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec == std::errc() && end == text.data() + text.size()) return core::Value::Int64(v);
      break;
    }
    case PgKind::kFloat: {
      if (text == "NaN") return core::Value::Double(std::numeric_limits<double>::quiet_NaN());
      if (text == "Infinity") return core::Value::Double(std::numeric_limits<double>::infinity());
      if (text == "-Infinity") {
        return core::Value::Double(-std::numeric_limits<double>::infinity());
      }
      double v;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec == std::errc() && end == text.data() + text.size()) return core::Value::Double(v);
      break;
    }
    case PgKind::kNumeric:
      // The server's text is already plain decimal digits with every digit of the scale.
      if (text == "NaN" || text == "Infinity" || text == "-Infinity") {
        return ReadScalar(PgKind::kFloat, text);
      }
      return core::Value::Dec(std::string(text));
    case PgKind::kDate:
      if (auto days = core::ParseDate(text)) return core::Value::DateValue(*days);
      break;
    case PgKind::kTimestamp: {
      int64_t micros;
      if (ParsePgTimestamp(text, &micros)) return core::Value::TimestampValue(micros);
      break;
    }
    case PgKind::kBytes: {
      if (text.size() % 2 == 0 && text.starts_with("\\x")) {
        std::string out;
        out.reserve(text.size() / 2 - 1);
        bool ok = true;
        for (size_t i = 2; i < text.size(); i += 2) {
          int hi = HexDigit(text[i]), lo = HexDigit(text[i + 1]);
          if (hi < 0 || lo < 0) {
            ok = false;
            break;
          }
          out.push_back(static_cast<char>(hi * 16 + lo));
        }
        if (ok) return core::Value::BytesValue(std::move(out));
      }
      break;
    }
    case PgKind::kText:
    case PgKind::kArray:
      break;
  }
  return core::Value::String(std::string(text));
}

// A one-dimensional array literal: {a,"b c",NULL}. False for anything else (several
// dimensions, explicit bounds), which then stays text.
bool ReadArray(PgKind element, std::string_view text, std::vector<core::Value>* out) {
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') return false;
  size_t i = 1;
  const size_t end = text.size() - 1;
  if (i == end) return true;  // {}
  std::string item;
  for (;;) {
    if (i >= end) return false;
    bool quoted = false;
    item.clear();
    if (text[i] == '{') return false;  // several dimensions
    if (text[i] == '"') {
      quoted = true;
      ++i;
      for (; i < end && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < end) ++i;
        item += text[i];
      }
      if (i >= end) return false;
      ++i;  // the closing quote
    } else {
      for (; i < end && text[i] != ','; ++i) item += text[i];
    }
    if (!quoted && item == "NULL") {
      out->push_back(core::Value::Null());
    } else {
      out->push_back(ReadScalar(element, item));
    }
    if (i == end) return true;
    if (text[i] != ',') return false;
    ++i;
  }
}

}  // namespace

PgColumnReader ReaderForOid(PgOid oid) {
  PgColumnReader r;
  if (ArrayElement(oid, &r.element)) {
    r.kind = PgKind::kArray;
  } else {
    r.kind = ScalarKind(oid);
  }
  return r;
}

core::Type TypeForOid(PgOid oid) {
  switch (ReaderForOid(oid).kind) {
    case PgKind::kBool:
      return core::Type::kBool;
    case PgKind::kInt:
      return core::Type::kInt64;
    case PgKind::kFloat:
      return core::Type::kDouble;
    case PgKind::kNumeric:
      return core::Type::kDecimal;
    case PgKind::kDate:
      return core::Type::kDate;
    case PgKind::kTimestamp:
      return core::Type::kTimestamp;
    case PgKind::kBytes:
      return core::Type::kBytes;
    case PgKind::kArray:
      return core::Type::kArray;
    case PgKind::kText:
      break;
  }
  return core::Type::kString;
}

bool ParsePgTimestamp(std::string_view text, int64_t* micros) {
  // A UTC session writes timestamptz with "+00"; a sub-minute historical offset would add
  // ":MM:SS", which ParseTimestamp refuses.
  if (text.ends_with("+00")) text.remove_suffix(3);
  // Years past 9999 and "BC" have no ParseTimestamp form and fall out here, as do 'infinity'.
  std::optional<int64_t> v = core::ParseTimestamp(text);
  if (!v || !core::InTimestampRange(*v)) return false;
  *micros = *v;
  return true;
}

core::Value ReadPgValue(const PgColumnReader& reader, std::string_view text) {
  if (reader.kind != PgKind::kArray) return ReadScalar(reader.kind, text);
  std::vector<core::Value> items;
  if (!ReadArray(reader.element, text, &items)) return core::Value::String(std::string(text));
  return core::Value::Array(std::move(items));
}

}  // namespace wsync::warehouse
