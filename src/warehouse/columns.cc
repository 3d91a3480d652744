#include "warehouse/columns.h"

#include <algorithm>
#include <string>
#include <unordered_set>

#include "core/column_lookup.h"

namespace wsync::warehouse {
namespace {

std::string FoldCase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

core::Status CheckColumnCount(size_t count, int max_columns) {
  if (count <= static_cast<size_t>(std::max(max_columns, 0))) return core::Status::Ok();
  return core::InvalidArgument("the data model returns " + std::to_string(count) +
                               " columns; the limit is " + std::to_string(max_columns));
}

core::Status CheckDistinctColumnNames(const std::vector<std::string>& names, bool fold_case) {
  std::unordered_set<std::string> seen;
  seen.reserve(names.size());
  for (const std::string& name : names) {
    if (!seen.insert(fold_case ? FoldCase(name) : name).second) {
      return core::InvalidArgument("the data model returns column '" + name +
                                   "' more than once; give each column a unique alias");
    }
  }
  return core::Status::Ok();
}

core::Status CheckRangeColumns(const std::vector<std::string>& names,
                               const std::vector<Range>& ranges) {
  for (const Range& r : ranges) {
    core::StatusOr<size_t> found = core::FindColumn(names, r.column);
    if (found.ok()) continue;
    if (found.status().code() == core::StatusCode::kNotFound) {
      return core::InvalidArgument("the iterator column '" + r.column +
                                   "' is not a column of the data model");
    }
    return found.status();
  }
  return core::Status::Ok();
}

}  // namespace wsync::warehouse
