#include "warehouse/type_inference.h"

#include <bit>

#include "core/utf8.h"

namespace wsync::warehouse {
namespace {

uint32_t Bit(core::Type type) { return 1u << static_cast<uint32_t>(type); }

}  // namespace

void TypeInference::Observe(size_t column, core::Type type) {
  if (type == core::Type::kNull || column >= seen_.size()) return;
  seen_[column] |= Bit(type);
}

void TypeInference::Add(const core::Row& row) {
  AddRow([&](size_t i) { return i < row.size() ? row[i].type() : core::Type::kNull; });
}

core::Type TypeInference::Inferred(size_t column) const {
  const uint32_t seen = column < seen_.size() ? seen_[column] : 0;
  if (seen == 0) return core::Type::kString;
  if (std::has_single_bit(seen)) return static_cast<core::Type>(std::countr_zero(seen));
  const uint32_t ints = Bit(core::Type::kInt64);
  if ((seen & ~(ints | Bit(core::Type::kDouble))) == 0) return core::Type::kDouble;
  if ((seen & ~(ints | Bit(core::Type::kDecimal))) == 0) return core::Type::kDecimal;
  return core::Type::kString;
}

std::vector<core::Column> TypeInference::Columns(
    const std::vector<std::string>& names,
    const std::vector<std::optional<core::Type>>& declared) const {
  std::vector<core::Column> columns;
  columns.reserve(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    core::Column c{names[i], core::Type::kString, false};
    if (i < declared.size() && declared[i]) {
      c.type = *declared[i];
    } else {
      c.type = Inferred(i);
      c.inferred = true;
    }
    columns.push_back(std::move(c));
  }
  return columns;
}

std::string InferredTypeWarning(const core::Column& column, size_t rows) {
  return "column '" + core::ToValidUtf8(column.name) + "' has no declared type; " +
         std::string(core::TypeName(column.type)) + " was inferred from " + std::to_string(rows) +
         " sample rows";
}

}  // namespace wsync::warehouse
