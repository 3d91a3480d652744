// Mapper: turns a warehouse row into a Record, following a field transformation or the default
// mapping of a user_attributes pipeline (SPEC §4). Built once per run by Compile (stage-two
// validation against the model's columns), then used read-only: Map() is thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/value.h"
#include "mapping/field_transformation.h"
#include "mapping/record.h"

namespace wsync::mapping {

enum class PipelineType { kUserAttributes, kEvents };

struct Limits {
  size_t max_attributes = 100;
  size_t max_name_chars = 256;
  size_t max_value_chars = 4096;
  size_t max_list_entries = 1000;
};

// What an integer timestamp_field counts since the Unix epoch (the data model's
// timestamp_unit). Text, dates and timestamps carry their own unit.
enum class TimestampUnit { kSeconds, kMilliseconds };
std::string_view TimestampUnitName(TimestampUnit unit);
// "seconds" or "milliseconds"; false otherwise.
bool ParseTimestampUnit(std::string_view name, TimestampUnit* unit);

struct MapperOptions {
  PipelineType pipeline_type = PipelineType::kUserAttributes;
  // Excluded from the default mapping; the timestamp field sets Record::source_time.
  std::optional<std::string> iterator_column;
  std::optional<std::string> timestamp_field;
  TimestampUnit timestamp_unit = TimestampUnit::kSeconds;
  bool skip_nulls = false;  // null_values: skip
  Limits limits;
};

struct CompiledMapping;  // columns resolved to indices

class Mapper {
 public:
  // `ft` may be null for a user_attributes pipeline (default mapping). Checks every source
  // against `columns` (unknown column → InvalidArgument naming the mapping). The default
  // mapping and "$unmapped" skip kBytes columns; a column name that would become an attribute
  // name must be valid UTF-8.
  static core::StatusOr<Mapper> Compile(const FieldTransformation* ft,
                                        const std::vector<core::Column>& columns,
                                        const MapperOptions& options);

  // Maps one row. On failure returns false and fills `error` (row number and key included);
  // `out` is then unspecified. Every mapped cell is checked here, the boundary before the
  // store: text must be valid UTF-8 (invalid_utf8), binary cells are refused (binary_value),
  // doubles must be finite (invalid_number), times must fall in years 1..9999
  // (invalid_timestamp). Messages quote at most core::kMessageValueChars of a cell.
  bool Map(const core::Row& row, int64_t row_number, Record* out, RowError* error) const;

  Mapper(Mapper&&) noexcept;
  Mapper& operator=(Mapper&&) noexcept;
  ~Mapper();

 private:
  explicit Mapper(std::unique_ptr<CompiledMapping> compiled);
  std::unique_ptr<CompiledMapping> compiled_;
};

}  // namespace wsync::mapping
