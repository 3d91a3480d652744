#include "warehouse/postgres/pg_values.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
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

// Digits of `text` from `pos` as a number; false when one is not a digit.
bool Digits(std::string_view text, size_t pos, size_t n, int* out) {
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    const unsigned d = static_cast<unsigned char>(text[i]) - unsigned{'0'};
    if (d > 9) return false;
    v = v * 10 + static_cast<int>(d);
  }
  *out = v;
  return true;
}

// The date of "YYYY-MM-DD" exactly, what the server writes for years 1..9999 in DateStyle ISO;
// nullopt for any other form, which core::ParseDate then reads (it takes the same ten
// characters to the same day and a few more forms besides).
std::optional<int32_t> IsoDate(std::string_view text) {
  int y, m, d;
  if (text.size() < 10 || text[4] != '-' || text[7] != '-' || !Digits(text, 0, 4, &y) ||
      !Digits(text, 5, 2, &m) || !Digits(text, 8, 2, &d) || m < 1 || m > 12 || d < 1 ||
      d > core::DaysInMonth(y, m)) {
    return std::nullopt;
  }
  return core::DaysFromCivil({y, m, d});
}

// "YYYY-MM-DD HH:MM:SS" with an optional fraction of 1 to 6 digits and an optional "+00", the
// server's form in a UTC session, as micros; nullopt for anything else (ParsePgTimestamp reads
// it). On these forms it gives what ParsePgTimestamp gives, range check included, without the
// general parser's search for the optional parts.
std::optional<int64_t> IsoTimestamp(std::string_view text) {
  if (text.ends_with("+00")) text.remove_suffix(3);
  int hh, mm, ss;
  if (text.size() < 19 || text[10] != ' ' || text[13] != ':' || text[16] != ':' ||
      !Digits(text, 11, 2, &hh) || !Digits(text, 14, 2, &mm) || !Digits(text, 17, 2, &ss) ||
      hh > 23 || mm > 59 || ss > 59) {
    return std::nullopt;
  }
  int64_t fraction = 0;
  if (text.size() > 19) {
    const size_t digits = text.size() - 20;
    int f;
    if (text[19] != '.' || digits < 1 || digits > 6 || !Digits(text, 20, digits, &f)) {
      return std::nullopt;
    }
    fraction = f;
    for (size_t i = digits; i < 6; ++i) fraction *= 10;
  }
  std::optional<int32_t> days = IsoDate(text.substr(0, 10));
  if (!days) return std::nullopt;
  const int64_t micros =
      *days * core::kMicrosPerDay + ((hh * 60 + mm) * 60 + ss) * core::kMicrosPerSecond + fraction;
  if (!core::InTimestampRange(micros)) return std::nullopt;
  return micros;
}

bool ReadFloat(std::string_view text, double* out) {
  if (text == "NaN") {
    *out = std::numeric_limits<double>::quiet_NaN();
  } else if (text == "Infinity") {
    *out = std::numeric_limits<double>::infinity();
  } else if (text == "-Infinity") {
    *out = -std::numeric_limits<double>::infinity();
  } else {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
    return ec == std::errc() && end == text.data() + text.size();
  }
  return true;
}

// Writes the value of `text` as `kind` over `*out`; a text that is not one of `kind` stays
// text.
void ReadScalar(PgKind kind, std::string_view text, core::Value* out) {
  switch (kind) {
    case PgKind::kBool:
      if (text == "t" || text == "f") {
        out->SetBool(text == "t");
        return;
      }
      break;
    case PgKind::kInt: {
      int64_t v;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec == std::errc() && end == text.data() + text.size()) {
        out->SetInt64(v);
        return;
      }
      break;
    }
    case PgKind::kFloat: {
      double v;
      if (ReadFloat(text, &v)) {
        out->SetDouble(v);
        return;
      }
      break;
    }
    case PgKind::kNumeric:
      // The server's text is already plain decimal digits with every digit of the scale.
      if (text == "NaN" || text == "Infinity" || text == "-Infinity") {
        ReadScalar(PgKind::kFloat, text, out);
      } else {
        out->SetDecimal(text);
      }
      return;
    case PgKind::kDate: {
      std::optional<int32_t> days = text.size() == 10 ? IsoDate(text) : std::nullopt;
      if (!days) days = core::ParseDate(text);
      if (days) {
        out->SetDate(*days);
        return;
      }
      break;
    }
    case PgKind::kTimestamp: {
      std::optional<int64_t> micros = IsoTimestamp(text);
      int64_t parsed;
      if (!micros && ParsePgTimestamp(text, &parsed)) micros = parsed;
      if (micros) {
        out->SetTimestamp(*micros);
        return;
      }
      break;
    }
    case PgKind::kBytes: {
      if (text.size() % 2 == 0 && text.starts_with("\\x")) {
        std::string bytes;
        bytes.reserve(text.size() / 2 - 1);
        bool ok = true;
        for (size_t i = 2; i < text.size(); i += 2) {
          int hi = HexDigit(text[i]), lo = HexDigit(text[i + 1]);
          if (hi < 0 || lo < 0) {
            ok = false;
            break;
          }
          bytes.push_back(static_cast<char>(hi * 16 + lo));
        }
        if (ok) {
          *out = core::Value::BytesValue(std::move(bytes));
          return;
        }
      }
      break;
    }
    case PgKind::kText:
    case PgKind::kArray:
      break;
  }
  out->SetString(text);
}

// A one-dimensional array literal: {a,"b c",NULL}. False for anything else (several
// dimensions, explicit bounds), which then stays text.
bool ReadArray(PgKind element, std::string_view text, std::vector<core::Value>* out) {
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') return false;
  size_t i = 1;
  const size_t end = text.size() - 1;
  if (i == end) return true;  // {}
  std::string unescaped;
  for (;;) {
    if (i >= end) return false;
    if (text[i] == '{') return false;  // several dimensions
    std::string_view item;
    bool quoted = false;
    if (text[i] == '"') {
      quoted = true;
      const size_t first = ++i;
      bool escaped = false;
      for (; i < end && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < end) {
          if (!escaped) unescaped.assign(text.substr(first, i - first));
          escaped = true;
          ++i;
        }
        if (escaped) unescaped += text[i];
      }
      if (i >= end) return false;
      item = escaped ? std::string_view(unescaped) : text.substr(first, i - first);
      ++i;  // the closing quote
    } else {
      const size_t first = i;
      while (i < end && text[i] != ',') ++i;
      item = text.substr(first, i - first);
    }
    if (!quoted && item == "NULL") {
      out->emplace_back();
    } else {
      ReadScalar(element, item, &out->emplace_back());
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
  core::Value v;
  ReadPgValueInto(reader, text, &v);
  return v;
}

void ReadPgValueInto(const PgColumnReader& reader, std::string_view text, core::Value* out) {
  if (reader.kind != PgKind::kArray) {
    ReadScalar(reader.kind, text, out);
    return;
  }
  std::vector<core::Value> items;
  if (ReadArray(reader.element, text, &items)) {
    *out = core::Value::Array(std::move(items));
  } else {
    out->SetString(text);
  }
}

}  // namespace wsync::warehouse
