// How a sync names a row across runs and tells whether it changed (SPEC §5, §6): the row key,
// the fingerprint of what a mapped row writes, and the dedup hash of the event a row carries.
// Pure functions of their arguments; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/value.h"
#include "mapping/record.h"

namespace wsync::sync {

// The key that names a row across runs: the values of the model's primary key columns `pk`;
// without one, the row's best identity ("email:a@x.com"), followed for a row carrying an event
// by that event's hash ("email:a@x.com#3f…"), so every distinct event keeps its own
// fingerprint; without an identity, "row N". A primary key column missing from `row` (a model
// that lost a column since discovery) gives "row N" too.
std::string RowKey(const core::Row& row, const std::vector<int>& pk, const mapping::Record& record,
                   int64_t row_number);

// What a mapped row writes — identities, attribute names and values, the event — and, when the
// data gave it one (`source_time` set: a timestamp field or the iterator), the source time those
// values carry, seeded with the pipeline's settings version. Ignored columns and columns of
// other destinations do not count, so changing them does not re-apply the row.
uint64_t RecordFingerprint(const mapping::Record& record, std::optional<int64_t> source_time,
                           uint64_t seed);

// The dedup hash of the row's event: its fields and the identities of the row that carries it
// (two people's equal events are two events), never the row's attribute-only columns. 0 when
// the row carries no event.
uint64_t EventHash(const mapping::Record& record);

}  // namespace wsync::sync
