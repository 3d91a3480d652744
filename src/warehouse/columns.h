// Checks of a model's columns every connector applies once it knows them (before any row is
// read): how many there are, that no name appears twice, and that the columns a Query's ranges
// name exist. Column names given by users are found by the one rule of core/column_lookup.h.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/status.h"
#include "warehouse/connector.h"

namespace wsync::warehouse {

// InvalidArgument "the data model returns 120 columns; the limit is 100".
core::Status CheckColumnCount(size_t count, int max_columns);

// InvalidArgument naming the first column whose name appeared before ("give each column a
// unique alias"). With `fold_case` (a warehouse that matches identifiers ignoring case, see
// Dialect::FoldsIdentifierCase) names differing only in ASCII case are the same name.
core::Status CheckDistinctColumnNames(const std::vector<std::string>& names, bool fold_case);

// InvalidArgument when a range's column is not a column of the model, or names several by case.
core::Status CheckRangeColumns(const std::vector<std::string>& names,
                               const std::vector<Range>& ranges);

}  // namespace wsync::warehouse
