// TypeInference: the types of columns a warehouse reports no type for (SQLite expressions such
// as `SELECT a + 1 AS b`), from the values of sample rows (SPEC §2: discovery infers a type and
// marks it `inferred`). Each column collects the types its non-null values had; the rule:
//  - no value seen: string;
//  - one type seen: that type (all binary: bytes);
//  - integers and doubles: double; integers and decimals: decimal;
//  - any other mix: string (what every value can be shown as).
// Not thread-safe: one per discovery or stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/value.h"

namespace wsync::warehouse {

class TypeInference {
 public:
  explicit TypeInference(size_t columns) : seen_(columns, 0) {}

  // Records one row: `type_of(i)` is the type of column i's value (kNull for NULL), so a
  // connector can vote from its driver's storage classes without converting every value.
  template <typename TypeOf>
  void AddRow(const TypeOf& type_of) {
    for (size_t i = 0; i < seen_.size(); ++i) Observe(i, type_of(i));
    ++rows_;
  }
  void Add(const core::Row& row);

  size_t rows() const { return rows_; }
  core::Type Inferred(size_t column) const;
  // The columns as discovery reports them: `declared[i]` when the warehouse gave one, else
  // the inferred type, marked inferred.
  std::vector<core::Column> Columns(const std::vector<std::string>& names,
                                    const std::vector<std::optional<core::Type>>& declared) const;

 private:
  void Observe(size_t column, core::Type type);

  std::vector<uint32_t> seen_;  // per column, a bit per core::Type seen
  size_t rows_ = 0;
};

// The warning discovery gives for an inferred column: "column 'b' has no declared type; int64
// was inferred from 12 sample rows". The name is made valid UTF-8.
std::string InferredTypeWarning(const core::Column& column, size_t rows);

}  // namespace wsync::warehouse
