#include "core/value.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <system_error>

#include "core/time.h"
#include "core/utf8.h"

namespace wsync::core {

namespace {

constexpr std::string_view kTypeNames[] = {"null",   "bool", "int64",     "double", "decimal",
                                           "string", "date", "timestamp", "array",  "bytes"};

std::string DoubleText(double d) {
  if (!std::isfinite(d)) return std::isnan(d) ? "NaN" : (d > 0 ? "Infinity" : "-Infinity");
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

// The shortest text that reads back as `d`, never in exponent form: decimal digits are never
// written with an exponent, so comparing against DoubleText would call 0.000001 ("1e-06") or
// 1e20 ("1e+20") inexact and send them as strings. Fixed form needs up to ~330 characters
// (the smallest subnormal), hence the buffer.
std::string FixedText(double d) {
  char buf[400];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
  return r.ec == std::errc() ? std::string(buf, r.ptr) : std::string();
}

// "12.500" -> "12.5", "3.0" -> "3", "-0" -> "0".
std::string StripZeros(std::string s) {
  if (s.find('.') != std::string::npos && s.find_first_of("eE") == std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

}  // namespace

std::string_view TypeName(Type type) { return kTypeNames[static_cast<int>(type)]; }

bool ParseTypeName(std::string_view name, Type* type) {
  for (size_t i = 0; i < std::size(kTypeNames); ++i) {
    if (kTypeNames[i] == name) {
      *type = static_cast<Type>(i);
      return true;
    }
  }
  return false;
}

std::string HexText(std::string_view data) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\\x";
  out.reserve(2 + 2 * data.size());
  for (unsigned char c : data) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xF]);
  }
  return out;
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t skip = 1;
      size_t n = Utf8SequenceLength(s, i, &skip);
      if (n == 0) {
        out->append("\xEF\xBF\xBD");  // U+FFFD
        i += skip - 1;
      } else {
        out->append(s.substr(i, n));
        i += n - 1;
      }
      continue;
    }
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out->append(buf);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

std::string Value::ToText() const {
  switch (type()) {
    case Type::kNull:
      return "";
    case Type::kBool:
      return bool_value() ? "true" : "false";
    case Type::kInt64:
      return std::to_string(int64_value());
    case Type::kDouble:
      return DoubleText(double_value());
    case Type::kDecimal:
      return decimal_value();
    case Type::kString:
      return string_value();
    case Type::kDate:
      return FormatDate(date_value());
    case Type::kTimestamp:
      return FormatTimestamp(timestamp_value());
    case Type::kArray:
      return ToJson();
    case Type::kBytes:
      return HexText(bytes_value());
  }
  return "";
}

void Value::AppendJson(std::string* out) const {
  switch (type()) {
    case Type::kNull:
      out->append("null");
      return;
    case Type::kBool:
      out->append(bool_value() ? "true" : "false");
      return;
    case Type::kInt64:
      out->append(std::to_string(int64_value()));
      return;
    case Type::kDouble:
      if (std::isfinite(double_value())) {
        out->append(DoubleText(double_value()));
      } else {
        AppendJsonString(DoubleText(double_value()), out);
      }
      return;
    case Type::kDecimal: {
      const std::string& digits = decimal_value();
      char* end = nullptr;
      double d = std::strtod(digits.c_str(), &end);
      bool exact =
          end && *end == '\0' && std::isfinite(d) && StripZeros(FixedText(d)) == StripZeros(digits);
      if (exact) {
        out->append(StripZeros(digits));
      } else {
        AppendJsonString(digits, out);
      }
      return;
    }
    case Type::kString:
      AppendJsonString(string_value(), out);
      return;
    case Type::kDate:
    case Type::kTimestamp:
    case Type::kBytes:
      AppendJsonString(ToText(), out);
      return;
    case Type::kArray: {
      out->push_back('[');
      bool first = true;
      for (const Value& v : array_value()) {
        if (!first) out->push_back(',');
        first = false;
        v.AppendJson(out);
      }
      out->push_back(']');
      return;
    }
  }
}

std::string Value::ToJson() const {
  std::string out;
  AppendJson(&out);
  return out;
}

namespace {

// A buffer that grew for a long value is not kept for short ones, so a recycled row holds
// about what its values need (the batch's byte bound stays meaningful).
constexpr size_t kMaxReusedCapacity = 1024;

void Reuse(std::string* buffer, std::string_view text) {
  if (buffer->capacity() > kMaxReusedCapacity && buffer->capacity() > 2 * text.size()) {
    std::string(text).swap(*buffer);
  } else {
    buffer->assign(text);
  }
}

}  // namespace

void Value::SetString(std::string_view v) {
  if (auto* s = std::get_if<std::string>(&rep_)) {
    Reuse(s, v);
  } else {
    rep_.emplace<std::string>(v);
  }
}

void Value::SetDecimal(std::string_view digits) {
  if (auto* d = std::get_if<Decimal>(&rep_)) {
    Reuse(&d->digits, digits);
  } else {
    rep_.emplace<Decimal>(Decimal{std::string(digits)});
  }
}

bool Value::operator==(const Value& other) const {
  if (type() != other.type()) return false;
  if (type() == Type::kArray) return array_value() == other.array_value();
  return rep_ == other.rep_;
}

}  // namespace wsync::core
