// How BigQuery's result values become wsync values (SPEC §2). jobs.query and
// jobs.getQueryResults send each row as {"f":[{"v":…},…]}: a scalar's "v" is a JSON string (or
// null), a REPEATED field's is an array of {"v":…}, a RECORD's is {"f":[…]} again. Its meaning
// comes from the field of the result's schema (name, type, mode, nested fields), read once into
// a BigQueryField:
//   INTEGER / INT64 → int64; FLOAT / FLOAT64 → double ("NaN" and the infinities keep their
//   text); NUMERIC / BIGNUMERIC → decimal, every digit kept; BOOLEAN / BOOL → bool; STRING →
//   string; BYTES (base64 in the API) → bytes; DATE → date; DATETIME (no zone) → timestamp read
//   as UTC; TIME → its "HH:MM:SS[.ffffff]" text; TIMESTAMP (seconds since the epoch as a
//   floating-point text, "1.714564800123456E9") → timestamp to the microsecond, read exactly
//   from the decimal text and rounded to the nearest microsecond, never through a double;
//   JSON, GEOGRAPHY, INTERVAL and the rest → their text. A REPEATED scalar field → an array;
//   a RECORD / STRUCT (and a REPEATED one) → the JSON text of the object (array of objects),
//   its members typed as JSON allows (numbers for INT64 / FLOAT64, strings for NUMERIC, dates,
//   times and bytes, timestamps in RFC 3339).
// A value not in its announced form keeps its text, so the mapper reports it against its row.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/value.h"

namespace wsync::warehouse {

enum class BigQueryKind : uint8_t {
  kInt64,
  kFloat64,
  kNumeric,  // NUMERIC and BIGNUMERIC
  kBool,
  kString,
  kBytes,
  kDate,
  kDateTime,
  kTime,
  kTimestamp,
  kJson,
  kRecord,  // RECORD and STRUCT
  kOther,   // GEOGRAPHY, INTERVAL, RANGE, … : their text
};

struct BigQueryField {
  std::string name;
  std::string type;  // as the schema names it, upper case ("INTEGER", "RECORD", …)
  BigQueryKind kind = BigQueryKind::kOther;
  bool repeated = false;              // mode REPEATED
  std::vector<BigQueryField> fields;  // of a RECORD
};

// The kind of a schema `type` (any case; legacy and standard names).
BigQueryKind BigQueryKindOf(std::string_view type);
// The wsync type a column reports in discovery: a REPEATED scalar is an array, a RECORD (or a
// REPEATED one) a string of JSON.
core::Type BigQueryColumnType(const BigQueryField& field);
// The value of a scalar's text (never NULL: the caller checks) for a field of kind `kind`.
core::Value ReadBigQueryScalar(BigQueryKind kind, std::string_view text);

// "1.714564800123456E9", "1714564800.5", "-1.0E-6", "1714564800" as microseconds since the
// epoch, rounded to the nearest; false when it is not such a number or outside years 1..9999.
bool ParseBigQuerySeconds(std::string_view text, int64_t* micros);

}  // namespace wsync::warehouse
