#include "sync/iterator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/time.h"

namespace wsync::sync {

namespace {

using nlohmann::json;

constexpr int64_t kMin64 = std::numeric_limits<int64_t>::min();

// An integral double that fits int64 (NaN, infinities, fractions and 1e30 do not).
std::optional<int64_t> DoubleToInt64(double d) {
  if (!std::isfinite(d) || std::trunc(d) != d) return std::nullopt;
  if (d < -9223372036854775808.0 || d >= 9223372036854775808.0) return std::nullopt;
  return static_cast<int64_t>(d);
}

std::optional<int64_t> TextToInt64(const std::string& s) {
  try {
    size_t used = 0;
    int64_t n = std::stoll(s, &used);
    if (used == s.size()) return n;
  } catch (...) {
  }
  return std::nullopt;
}

bool InTime(int64_t micros) { return micros >= MinTimeMicros() && micros <= MaxTimeMicros(); }

// An integer count of `unit` micros since the epoch, when that time is in range.
std::optional<int64_t> UnitsToMicros(int64_t n, int64_t unit) {
  if (n < MinTimeMicros() / unit || n > MaxTimeMicros() / unit) return std::nullopt;
  return n * unit;
}

std::optional<int64_t> AnyInt64(const core::Value& v) {
  switch (v.type()) {
    case core::Type::kInt64:
      return v.int64_value();
    case core::Type::kDouble:
      return DoubleToInt64(v.double_value());
    case core::Type::kString:
      return TextToInt64(v.string_value());
    case core::Type::kDecimal:
      return TextToInt64(v.decimal_value());
    default:
      return std::nullopt;
  }
}

// Kinds whose marks are stored as text.
bool IsTimeTypeWithText(IteratorType type) {
  return type == IteratorType::kTimestamp || type == IteratorType::kDate;
}

core::Value DayOf(int64_t micros) {
  return core::Value::DateValue(static_cast<int32_t>(core::FloorDiv(micros, core::kMicrosPerDay)));
}

}  // namespace

bool IsTimeType(IteratorType type) { return type != IteratorType::kInteger; }

int64_t MinTimeMicros() {
  static const int64_t min = int64_t{core::DaysFromCivil({0, 1, 1})} * core::kMicrosPerDay;
  return min;
}

int64_t MaxTimeMicros() {
  static const int64_t max = int64_t{core::DaysFromCivil({10000, 1, 1})} * core::kMicrosPerDay - 1;
  return max;
}

std::optional<core::Value> IteratorValue(const core::Value& v, IteratorType type,
                                         std::string* why) {
  std::string ignored;
  if (why == nullptr) why = &ignored;
  const std::string out_of_range = "is outside the years 0000-9999";
  *why = "does not parse";
  switch (type) {
    case IteratorType::kTimestamp:
    case IteratorType::kDate: {
      std::optional<int64_t> micros;
      if (v.type() == core::Type::kTimestamp) {
        micros = v.timestamp_value();
      } else if (v.type() == core::Type::kDate) {
        micros = int64_t{v.date_value()} * core::kMicrosPerDay;
      } else if (v.type() == core::Type::kString) {
        micros = core::ParseTimestamp(v.string_value());
      } else if (type == IteratorType::kTimestamp && v.type() == core::Type::kInt64) {
        micros = UnitsToMicros(v.int64_value(), core::kMicrosPerSecond);  // unix seconds
        if (!micros) *why = out_of_range;
      }
      if (!micros) return std::nullopt;
      if (!InTime(*micros)) {
        *why = out_of_range;
        return std::nullopt;
      }
      if (type == IteratorType::kDate) return DayOf(*micros);
      return core::Value::TimestampValue(*micros);
    }
    case IteratorType::kUnixMs:
    case IteratorType::kUnixS: {
      std::optional<int64_t> n = AnyInt64(v);
      if (!n) return std::nullopt;
      int64_t unit = type == IteratorType::kUnixMs ? 1000 : core::kMicrosPerSecond;
      if (!UnitsToMicros(*n, unit)) {
        *why = out_of_range;
        return std::nullopt;
      }
      return core::Value::Int64(*n);
    }
    case IteratorType::kInteger: {
      std::optional<int64_t> n = AnyInt64(v);
      if (!n) {
        if (v.type() == core::Type::kDouble) *why = "is not an integer that fits 64 bits";
        return std::nullopt;
      }
      return core::Value::Int64(*n);
    }
  }
  return std::nullopt;
}

std::optional<int64_t> IteratorMicros(const core::Value& v, IteratorType type) {
  switch (type) {
    case IteratorType::kTimestamp:
      return v.timestamp_value();
    case IteratorType::kDate:
      return int64_t{v.date_value()} * core::kMicrosPerDay;
    case IteratorType::kUnixMs:
      return UnitsToMicros(v.int64_value(), 1000);
    case IteratorType::kUnixS:
      return UnitsToMicros(v.int64_value(), core::kMicrosPerSecond);
    case IteratorType::kInteger:
      return std::nullopt;
  }
  return std::nullopt;
}

core::Value Lookback(const core::Value& mark, IteratorType type, int64_t lookback) {
  if (lookback <= 0) return mark;
  auto minus = [](int64_t a, int64_t b) {
    int64_t out = 0;
    return __builtin_sub_overflow(a, b, &out) ? kMin64 : out;
  };
  auto times = [](int64_t a, int64_t b) {
    int64_t out = 0;
    return __builtin_mul_overflow(a, b, &out) ? std::numeric_limits<int64_t>::max() : out;
  };
  switch (type) {
    case IteratorType::kTimestamp:
      return core::Value::TimestampValue(std::max(
          MinTimeMicros(), minus(mark.timestamp_value(), times(lookback, core::kMicrosPerSecond))));
    case IteratorType::kDate: {
      int64_t days = int64_t{mark.date_value()} - lookback / 86400;
      int64_t min_days = core::FloorDiv(MinTimeMicros(), core::kMicrosPerDay);
      return core::Value::DateValue(static_cast<int32_t>(std::max(min_days, days)));
    }
    case IteratorType::kUnixMs:
      return core::Value::Int64(
          std::max(MinTimeMicros() / 1000, minus(mark.int64_value(), times(lookback, 1000))));
    case IteratorType::kUnixS:
      return core::Value::Int64(
          std::max(MinTimeMicros() / core::kMicrosPerSecond, minus(mark.int64_value(), lookback)));
    case IteratorType::kInteger:
      return core::Value::Int64(minus(mark.int64_value(), lookback));
  }
  return mark;
}

core::Value TimeAsIterator(int64_t micros, IteratorType type) {
  switch (type) {
    case IteratorType::kDate:
      return DayOf(micros);
    case IteratorType::kUnixMs:
      return core::Value::Int64(core::FloorDiv(micros, 1000));
    case IteratorType::kUnixS:
      return core::Value::Int64(core::FloorDiv(micros, core::kMicrosPerSecond));
    default:
      return core::Value::TimestampValue(micros);
  }
}

core::Value JustBefore(const core::Value& v, IteratorType type) {
  switch (type) {
    case IteratorType::kTimestamp: {
      int64_t millis = core::FloorDiv(v.timestamp_value() + 500, 1000);  // as SQLite rounds
      return core::Value::TimestampValue((millis - 1) * 1000);
    }
    case IteratorType::kDate:
      return core::Value::DateValue(v.date_value() - 1);
    default:
      return core::Value::Int64(v.int64_value() - 1);
  }
}

bool IteratorLess(const core::Value& a, const core::Value& b) {
  switch (a.type()) {
    case core::Type::kTimestamp:
      return a.timestamp_value() < b.timestamp_value();
    case core::Type::kDate:
      return a.date_value() < b.date_value();
    default:
      return a.int64_value() < b.int64_value();
  }
}

std::string MarkToJson(const core::Value& mark, std::string_view iterator, IteratorType type) {
  json j = {{"iterator", iterator},
            {"type", IteratorTypeName(type)},
            {"value", json::parse(mark.ToJson())}};
  return j.dump();
}

std::optional<core::Value> MarkFromJson(const std::optional<std::string>& text,
                                        std::string_view iterator, IteratorType type) {
  if (!text) return std::nullopt;
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  json value;
  if (j.is_object()) {
    auto it = j.find("iterator");
    auto ty = j.find("type");
    auto v = j.find("value");
    if (it == j.end() || ty == j.end() || v == j.end() || !it->is_string() || !ty->is_string() ||
        it->get<std::string>() != iterator || ty->get<std::string>() != IteratorTypeName(type)) {
      return std::nullopt;
    }
    value = *v;
  } else {
    // An untyped mark from before marks carried their type: a number for integer kinds, text
    // for timestamps and dates; anything else starts over.
    if (j.is_number_integer() != !IsTimeTypeWithText(type)) return std::nullopt;
    value = j;
  }
  if (value.is_number_integer()) {
    if (IsTimeTypeWithText(type)) return std::nullopt;
    return IteratorValue(core::Value::Int64(value.get<int64_t>()), type);
  }
  if (value.is_string()) {
    if (!IsTimeTypeWithText(type)) return std::nullopt;
    return IteratorValue(core::Value::String(value.get<std::string>()), type);
  }
  return std::nullopt;
}

}  // namespace wsync::sync
