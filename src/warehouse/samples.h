// The sample rows discovery shows (SPEC §12: bytes kept by discover are bounded): each text
// value cut at kSampleValueBytes with kTruncatedMarker and made valid UTF-8, binary values cut
// to as many hex characters, and all kept rows within kSampleBytesBudget; a row that would pass
// the budget is dropped with every later one, and discovery says so (BudgetWarning).
// SampleKeeper is not thread-safe: one per discovery.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/value.h"

namespace wsync::warehouse {

inline constexpr size_t kSampleValueBytes = 1024;
inline constexpr size_t kSampleBytesBudget = 1 << 20;
inline constexpr std::string_view kTruncatedMarker = "…(truncated)";

// A value as discovery shows it (see above).
core::Value SampleValue(core::Value v);

class SampleKeeper {
 public:
  explicit SampleKeeper(size_t wanted) : wanted_(wanted) {}

  // Whether another row would be kept: fewer than `wanted` kept and the budget not reached.
  // Connectors convert a row's values only when it is.
  bool wants_more() const { return kept_rows_ < wanted_ && !budget_hit_; }
  // Keeps `row` (each value through SampleValue) unless that passes the budget.
  void Offer(core::Row row);

  bool budget_hit() const { return budget_hit_; }
  // "only 3 sample rows are shown: together they reach the 1 MB sample budget", once the
  // budget dropped a row.
  std::optional<std::string> BudgetWarning() const;
  std::vector<core::Row> Take() { return std::move(rows_); }

 private:
  size_t wanted_;
  size_t kept_rows_ = 0;
  size_t kept_bytes_ = 0;
  bool budget_hit_ = false;
  std::vector<core::Row> rows_;
};

}  // namespace wsync::warehouse
