// Iterator values (SPEC §5): converting a row's iterator cell into a value of the iterator's
// kind, the time it stands for, lookback windows, and the typed high-water mark stored in the
// catalog. Every conversion is range-checked: a value outside years 0000..9999 (or outside int64
// for `integer`) is refused with a reason, never wrapped. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/value.h"
#include "warehouse/connector.h"

namespace wsync::sync {

using warehouse::IteratorType;
using warehouse::IteratorTypeName;  // the canonical name stored in marks
bool IsTimeType(IteratorType type);

// Micros of 0000-01-01T00:00:00Z and of 9999-12-31T23:59:59.999999Z: the times wsync accepts.
int64_t MinTimeMicros();
int64_t MaxTimeMicros();

// A cell as a value of the iterator's kind; nullopt with `*why` set when it does not parse or
// is out of range.
std::optional<core::Value> IteratorValue(const core::Value& v, IteratorType type,
                                         std::string* why = nullptr);

// Micros since the epoch that an iterator value stands for (source times); nullopt for
// `integer` iterators.
std::optional<int64_t> IteratorMicros(const core::Value& v, IteratorType type);

// The mark moved back by `lookback` (seconds for time types, units for `integer`), saturating
// at the smallest value of the kind.
core::Value Lookback(const core::Value& mark, IteratorType type, int64_t lookback);

// A point in time as a value of an iterator's kind (dates: the day it falls in).
core::Value TimeAsIterator(int64_t micros, IteratorType type);

// The largest value below `v` that the warehouse tells apart from it (timestamps: one
// millisecond, the precision SQLite compares at; dates: one day; integers: one). A historical
// run reads ts < T0, so an incremental run that starts with the exclusive mark JustBefore(T0)
// reads the rest, T0 included.
core::Value JustBefore(const core::Value& v, IteratorType type);

// Both values are of the same iterator kind.
bool IteratorLess(const core::Value& a, const core::Value& b);

// Marks are stored as {"iterator": column, "type": canonical type, "value": value}. A mark for
// another iterator column or type (the pipeline's sync mode changed), or one that does not
// parse, reads as no mark: the next run starts as a first run would.
std::string MarkToJson(const core::Value& mark, std::string_view iterator, IteratorType type);
std::optional<core::Value> MarkFromJson(const std::optional<std::string>& text,
                                        std::string_view iterator, IteratorType type);

}  // namespace wsync::sync
