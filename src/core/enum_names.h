// The one table that names the values of an enum class, read both ways: the name a value is
// stored and shown under, and the value a stored or received name stands for. Each enum that
// crosses a boundary (database rows, JSON) keeps exactly one such table beside its definition
// and wraps it in `Name(E)` / `ParseE(name)`, so no switch block repeats the names:
//
//   constexpr core::EnumName<RunState> kRunStateNames[] = {{RunState::kQueued, "queued"}, ...};
//   static_assert(core::IsDenseEnumTable(kRunStateNames));
//
// Tables are constexpr constants: safe to read from any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace wsync::core {

template <typename E>
struct EnumName {
  E value;
  std::string_view name;
};

// True when `table` lists the values 0..N-1 in declaration order with distinct, non-empty
// names, so that EnumNameOf is one index.
template <typename E, size_t N>
constexpr bool IsDenseEnumTable(const EnumName<E> (&table)[N]) {
  for (size_t i = 0; i < N; ++i) {
    if (static_cast<size_t>(table[i].value) != i || table[i].name.empty()) return false;
    for (size_t j = 0; j < i; ++j) {
      if (table[j].name == table[i].name) return false;
    }
  }
  return true;
}

// The name of `value`; "" for a value outside the table (only a cast from a bad integer makes
// one).
template <typename E, size_t N>
constexpr std::string_view EnumNameOf(const EnumName<E> (&table)[N], E value) {
  const auto i = static_cast<size_t>(value);
  return i < N ? table[i].name : std::string_view();
}

// The value named exactly `name` (case-sensitive), or nullopt.
template <typename E, size_t N>
constexpr std::optional<E> ParseEnumName(const EnumName<E> (&table)[N], std::string_view name) {
  for (const EnumName<E>& e : table) {
    if (e.name == name) return e.value;
  }
  return std::nullopt;
}

}  // namespace wsync::core
