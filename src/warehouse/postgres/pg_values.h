// How PostgreSQL (and Redshift) values in libpq's text format become wsync values (SPEC §2),
// chosen once per column from the type OID the server reports:
//   bool → bool; int2/int4/int8/oid → int64; float4/float8 → double; numeric → decimal (every
//   digit kept; NaN and ±Infinity → double); date → date; timestamp → timestamp read as UTC;
//   timestamptz → timestamp (the session runs in UTC); bytea → bytes; one-dimensional arrays of
//   those → array; text, varchar, char, name, uuid, json, jsonb, time, interval and every other
//   type → their text (JSON as its text, SPEC §2 "nested objects become their JSON text").
// A value outside what wsync holds (a date or time outside years 1..9999, 'infinity', a
// multi-dimensional array) keeps its text, so the mapper reports it against its row.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/value.h"

namespace wsync::warehouse {

using PgOid = unsigned int;

enum class PgKind : uint8_t {
  kText,
  kBool,
  kInt,
  kFloat,
  kNumeric,
  kDate,
  kTimestamp,  // timestamp and timestamptz: both carry "+00" or nothing in a UTC session
  kBytes,
  kArray,
};

// How a column of type `oid` is read: the kind, and for arrays the kind of their elements.
struct PgColumnReader {
  PgKind kind = PgKind::kText;
  PgKind element = PgKind::kText;
};

PgColumnReader ReaderForOid(PgOid oid);
// The wsync type a column of `oid` reports in discovery.
core::Type TypeForOid(PgOid oid);

// The value of `text` (never NULL: the caller checks PQgetisnull).
core::Value ReadPgValue(const PgColumnReader& reader, std::string_view text);
// The same value written over `*out`, reusing the text buffer it holds where it can
// (core::Value::SetString): what the extraction streams call for each cell of a recycled row.
void ReadPgValueInto(const PgColumnReader& reader, std::string_view text, core::Value* out);

// A timestamp or timestamptz text ("2024-01-02 03:04:05.123456", optional "+00") as micros;
// false when it is not one wsync holds.
bool ParsePgTimestamp(std::string_view text, int64_t* micros);

}  // namespace wsync::warehouse
