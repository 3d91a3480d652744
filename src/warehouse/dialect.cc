#include "warehouse/dialect.h"

#include <algorithm>

namespace wsync::warehouse {
namespace {

std::string Quoted(std::string_view text, char quote) {
  std::string out(1, quote);
  for (char c : text) {
    if (c == quote) out += quote;
    out += c;
  }
  out += quote;
  return out;
}

}  // namespace

core::Status CheckRangeBound(const Range& range, const core::Value& bound) {
  std::string_view wanted = "known iterator type";
  core::Type type = core::Type::kNull;
  switch (range.type) {
    case IteratorType::kTimestamp:
      wanted = "timestamp";
      type = core::Type::kTimestamp;
      break;
    case IteratorType::kDate:
      wanted = "date";
      type = core::Type::kDate;
      break;
    case IteratorType::kUnixMs:
    case IteratorType::kUnixS:
    case IteratorType::kInteger:
      wanted = "int64";
      type = core::Type::kInt64;
      break;
  }
  if (type != core::Type::kNull && bound.type() == type) return core::Status::Ok();
  return core::InvalidArgument("range on column '" + range.column + "' (" +
                               std::string(IteratorTypeName(range.type)) + "): bound " +
                               bound.ToText() + " is not a " + std::string(wanted));
}

std::string Dialect::QuoteIdentifier(std::string_view name) const { return Quoted(name, '"'); }

std::string Dialect::QuoteLiteral(std::string_view text) const { return Quoted(text, '\''); }

std::string Dialect::SelectFromModel(std::string_view expressions,
                                     std::string_view model_sql) const {
  return "SELECT " + std::string(expressions) + " FROM (\n" + std::string(model_sql) + "\n) AS m";
}

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
