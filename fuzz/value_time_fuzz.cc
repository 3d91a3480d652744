// Fuzz target: the text and number forms of dates and timestamps (core/time.h) and the JSON and
// text forms of values (core/value.h). ParseTimestamp/ParseDate on any bytes, the range-checked
// conversions on any integers, and formatting of any int64/int32 must be free of undefined
// behaviour (run under UBSan); a parsed value inside years 1..9999 must format and parse back to
// itself, and JSON text must stay parseable. Links: wsync_core (and nlohmann_json through it).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/time.h"
#include "core/utf8.h"
#include "core/value.h"

namespace {

void Require(bool ok) {
  if (!ok) std::abort();
}

template <typename T>
T Load(const uint8_t* data, size_t size, size_t offset) {
  T v{};
  unsigned char buf[sizeof(T)] = {};
  for (size_t i = 0; i < sizeof(T) && offset + i < size; ++i) buf[i] = data[offset + i];
  std::memcpy(&v, buf, sizeof(T));
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace wsync::core;
  std::string_view text(reinterpret_cast<const char*>(data), size);

  if (std::optional<int64_t> t = ParseTimestamp(text)) {
    std::string formatted = FormatTimestamp(*t);
    Require(IsValidUtf8(formatted));
    if (InTimestampRange(*t)) Require(ParseTimestamp(formatted) == t);
  }
  if (std::optional<int32_t> d = ParseDate(text)) {
    Require(ParseDate(FormatDate(*d)) == d);
    // Four digits allow year 0000, which is outside the range the conversions accept.
    Require(DateToMicros(*d).has_value() == (*d >= kMinTimestampMicros / kMicrosPerDay));
  }

  const int64_t i64 = Load<int64_t>(data, size, 0);
  const int32_t i32 = Load<int32_t>(data, size, 8);
  static constexpr int64_t kUnits[] = {1, 1000, 1'000'000, 0, -1, 7, 2'000'000};
  const int64_t units = kUnits[Load<uint8_t>(data, size, 12) % std::size(kUnits)];
  if (std::optional<int64_t> micros = UnixToMicros(i64, units)) {
    Require(InTimestampRange(*micros));
    Require(ParseTimestamp(FormatTimestamp(*micros)) == micros);
  }
  if (std::optional<int64_t> micros = DateToMicros(i32)) {
    Require(InTimestampRange(*micros));
    Require(FloorDiv(*micros, kMicrosPerDay) == i32);
  }
  (void)FormatTimestamp(i64);
  (void)FormatDate(i32);
  (void)CivilFromDays(i32);
  if (Load<int64_t>(data, size, 16) != 0) (void)FloorDiv(i64, Load<int64_t>(data, size, 16) | 1);

  // Value forms: JSON is always parseable and valid UTF-8, whatever the bytes.
  double d;
  std::memcpy(&d, &i64, sizeof d);
  for (const Value& v : {Value::String(std::string(text)), Value::Dec(std::string(text)),
                         Value::BytesValue(std::string(text)), Value::Double(d), Value::Int64(i64),
                         Value::TimestampValue(i64), Value::DateValue(i32),
                         Value::Array({Value::String(std::string(text)), Value::Double(d)})}) {
    std::string json = v.ToJson();
    Require(IsValidUtf8(json));
    Require(nlohmann::json::accept(json));
    (void)v.ToText();
  }
  Require(IsValidUtf8(ToValidUtf8(text)));
  Require(IsValidUtf8(QuoteForMessage(text)));
  return 0;
}
