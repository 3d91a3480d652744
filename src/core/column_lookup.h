// The one rule for finding a model's column by a name a user wrote (a mapping's source, the
// timestamp_field, an iterator, a primary key column, a range of an extraction): the column
// with exactly that name; else the one column whose name equals it ignoring ASCII case; when
// several columns equal it ignoring case and none exactly, the name is ambiguous and the error
// names the candidates (write the name as the model spells it, or alias the columns apart).
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/value.h"

namespace wsync::core {

// The index of `name` among `names` by the rule above. NotFound ("the model has no column
// 'x'") when nothing matches; InvalidArgument naming the candidates when the name is
// ambiguous ("column 'id' matches several columns of the model by case: 'ID', 'Id'; …").
StatusOr<size_t> FindColumn(const std::vector<std::string>& names, std::string_view name);
StatusOr<size_t> FindColumn(const std::vector<Column>& columns, std::string_view name);

// ASCII-only case folding, as SQL identifiers fold: equal when `a` and `b` differ only in the
// case of A–Z.
bool EqualsIgnoringCase(std::string_view a, std::string_view b);

}  // namespace wsync::core
