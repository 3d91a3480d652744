// How the Snowflake SQL API's result values become wsync values (SPEC §2). Every value of a
// result's `data` arrays is a JSON string (or null); its meaning comes from the column's
// `resultSetMetaData.rowType` entry, read once per column into a SnowflakeColumn:
//   fixed (NUMBER) with scale 0 → int64, or an exact decimal when it does not fit 64 bits;
//   fixed with scale > 0 → decimal (every digit kept); real → double; text → string;
//   boolean → bool; date (days since 1970-01-01) → date; time (seconds since midnight) → its
//   "HH:MM:SS[.ffffff]" text; timestamp_ntz / _ltz (seconds since the epoch with a 9-digit
//   fraction) and timestamp_tz (the same, then a space and the zone offset in minutes plus
//   1440) → timestamp in UTC, to the microsecond (the offset says only how the value was
//   written); binary (hex) → bytes; variant / object / array → their JSON text.
// A value outside what wsync holds (a date or timestamp outside years 1..9999) or not in the
// announced form keeps its text, so the mapper reports it against its row.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/value.h"

namespace wsync::warehouse {

enum class SnowflakeKind : uint8_t {
  kFixed,
  kReal,
  kText,
  kBoolean,
  kDate,
  kTime,
  kTimestamp,    // timestamp_ntz and timestamp_ltz
  kTimestampTz,  // carries an offset after the seconds
  kBinary,
  kJson,  // variant, object, array
  kOther,
};

struct SnowflakeColumn {
  std::string name;
  std::string type;  // as the rowType names it, lower case ("fixed", "timestamp_ltz", ...)
  SnowflakeKind kind = SnowflakeKind::kOther;
  int scale = 0;
};

// The kind of a rowType `type` ("fixed", "TIMESTAMP_TZ", "NUMBER", ... any case).
SnowflakeKind SnowflakeKindOf(std::string_view type);
// The wsync type a column reports in discovery.
core::Type SnowflakeColumnType(const SnowflakeColumn& column);
// The value of `text` (never NULL: the caller checks).
core::Value ReadSnowflakeValue(const SnowflakeColumn& column, std::string_view text);

// "1714524120.123456789" (optionally negative, optionally followed by " <offset>") as micros
// since the epoch, rounded toward the past; false when it is not one wsync holds.
bool ParseSnowflakeSeconds(std::string_view text, int64_t* micros);

}  // namespace wsync::warehouse
