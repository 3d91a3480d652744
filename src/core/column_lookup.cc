#include "core/column_lookup.h"

#include "core/utf8.h"

namespace wsync::core {
namespace {

// A message lists at most this many candidates: a name cannot match more columns than its
// letters have case variants, but a model may hold many.
constexpr size_t kMaxCandidatesShown = 10;

char FoldCase(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

template <typename NameOf>
StatusOr<size_t> Find(size_t count, const NameOf& name_of, std::string_view name) {
  for (size_t i = 0; i < count; ++i) {
    if (name_of(i) == name) return i;
  }
  std::vector<size_t> matches;
  for (size_t i = 0; i < count; ++i) {
    if (EqualsIgnoringCase(name_of(i), name)) matches.push_back(i);
  }
  if (matches.size() == 1) return matches.front();
  if (matches.empty()) return NotFound("the model has no column " + QuoteForMessage(name));
  std::string candidates;
  for (size_t k = 0; k < matches.size() && k < kMaxCandidatesShown; ++k) {
    if (k > 0) candidates += ", ";
    candidates += QuoteForMessage(name_of(matches[k]));
  }
  if (matches.size() > kMaxCandidatesShown) {
    candidates += " and " + std::to_string(matches.size() - kMaxCandidatesShown) + " more";
  }
  // Column names come from the warehouse: quoted (valid UTF-8, cut) like any outside text.
  return InvalidArgument("column " + QuoteForMessage(name) +
                         " matches several columns of the model by case: " + candidates +
                         "; write the name exactly as the model spells it");
}

}  // namespace

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (FoldCase(a[i]) != FoldCase(b[i])) return false;
  }
  return true;
}

StatusOr<size_t> FindColumn(const std::vector<std::string>& names, std::string_view name) {
  return Find(
      names.size(), [&](size_t i) -> std::string_view { return names[i]; }, name);
}

StatusOr<size_t> FindColumn(const std::vector<Column>& columns, std::string_view name) {
  return Find(
      columns.size(), [&](size_t i) -> std::string_view { return columns[i].name; }, name);
}

}  // namespace wsync::core
