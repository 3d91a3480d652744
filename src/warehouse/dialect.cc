#include "warehouse/dialect.h"

#include <algorithm>

namespace wsync::warehouse {

std::string Dialect::WrapModel(std::string_view model_sql) const {
  return SelectFromModel("*", model_sql);
}

std::string Dialect::DescribeQuery(std::string_view model_sql) const {
  return WrapModel(model_sql) + " LIMIT 0";
}

core::StatusOr<std::string> Dialect::ExtractQuery(std::string_view model_sql,
                                                  const std::vector<Range>& ranges,
                                                  std::optional<int64_t> limit,
                                                  std::vector<SqlParam>* params) const {
  std::string text = WrapModel(model_sql);
  for (size_t i = 0; i < ranges.size(); ++i) {
    const Range& r = ranges[i];
    ASSIGN_OR_RETURN(std::string pred, RangePredicate(r, r.include_unparsable, params));
    text += (i == 0 ? " WHERE " : " AND ") + pred;
  }
  if (limit) {
    text += " LIMIT ?";
    params->emplace_back(std::max<int64_t>(*limit, 0));
  }
  return text;
}

core::StatusOr<std::string> Dialect::MaxIteratorQuery(std::string_view model_sql,
                                                      const Range& range,
                                                      std::vector<SqlParam>* params) const {
  ASSIGN_OR_RETURN(std::string where, RangePredicate(range, false, params));
  return SelectFromModel("MAX(" + IteratorExpression(range.column, range.type) + ")", model_sql) +
         " WHERE " + where;
}

}  // namespace wsync::warehouse
