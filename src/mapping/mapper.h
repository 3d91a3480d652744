// Mapper: turns a warehouse row into a Record, following a field transformation or the default
// mapping of a user_attributes pipeline (SPEC §4). Built once per run by Compile (stage-two
// validation against the model's columns), then used read-only: Map() is thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
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

struct MapperOptions {
  PipelineType pipeline_type = PipelineType::kUserAttributes;
  // Excluded from the default mapping; the timestamp field sets Record::source_time.
  std::optional<std::string> iterator_column;
  std::optional<std::string> timestamp_field;
  bool skip_nulls = false;  // null_values: skip
  Limits limits;
};

struct CompiledMapping;  // columns resolved to indices

class Mapper {
 public:
  // `ft` may be null for a user_attributes pipeline (default mapping). Checks every source
  // against `columns` (unknown column → InvalidArgument naming the mapping).
  static core::StatusOr<Mapper> Compile(const FieldTransformation* ft,
                                        const std::vector<core::Column>& columns,
                                        const MapperOptions& options);

  // Maps one row. On failure returns false and fills `error` (row number and key included);
  // `out` is then unspecified.
  bool Map(const core::Row& row, int64_t row_number, Record* out, RowError* error) const;

  Mapper(Mapper&&) noexcept;
  Mapper& operator=(Mapper&&) noexcept;
  ~Mapper();

 private:
  explicit Mapper(std::unique_ptr<CompiledMapping> compiled);
  std::unique_ptr<CompiledMapping> compiled_;
};

}  // namespace wsync::mapping
