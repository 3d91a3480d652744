#include "sync/window.h"

#include "core/time.h"
#include "sync/iterator.h"

namespace wsync::sync {

core::StatusOr<WindowBounds> PlanBounds(const WindowInput& input) {
  const catalog::SyncMode& mode = input.sync_mode;
  const IteratorType it_type = mode.iterator_type;
  const std::string where = "pipeline '" + input.pipeline_id + "'";
  WindowBounds bounds;

  // Sync start date S (SPEC §5): the historical run loads S <= ts < T0 (activation); the
  // other runs start at T0 — full runs read ts >= T0, incremental ones start with mark T0.
  std::optional<core::Value> start_mark;
  if (input.historical || input.sync_start_date) {
    warehouse::Range ts{input.timestamp_field.value_or(""), IteratorType::kTimestamp};
    if (ts.column.empty() && mode.incremental) {
      ts.column = mode.iterator;
      ts.type = it_type;
    }
    if (ts.column.empty() || ts.type == IteratorType::kInteger || !input.sync_start_date) {
      return core::InvalidArgument(
          where + ": sync_start_date needs a time column: set the data model's timestamp_field");
    }
    ts.include_unparsable = false;
    std::optional<int64_t> t0 =
        input.range_end ? core::ParseTimestamp(*input.range_end) : input.activated_at;
    auto at = [&](int64_t micros) { return TimeAsIterator(micros, ts.type); };
    if (input.historical) {
      if (!t0) return core::Internal(where + ": historical run without an end");
      ts.lower = at(*input.sync_start_date);
      ts.lower_inclusive = true;
      ts.upper = at(*t0);
      ts.upper_exclusive = true;
      bounds.ranges.push_back(ts);
    } else if (mode.incremental && t0 && IsTimeType(it_type)) {
      // The start mark is of the iterator's kind, whatever the timestamp field's kind.
      // Exclusive, just before T0: the historical run reads ts < T0, this run the rest.
      start_mark = JustBefore(TimeAsIterator(*t0, it_type), it_type);
    } else {
      // Full runs, and incremental runs whose iterator is not a time (an `integer` iterator
      // cannot start at T0): the timestamp field keeps them to ts >= T0.
      ts.lower = at(t0.value_or(*input.sync_start_date));
      ts.lower_inclusive = true;
      bounds.ranges.push_back(ts);
    }
  }

  if (!mode.incremental || input.historical) return bounds;
  bounds.mark = MarkFromJson(input.stored_mark, mode.iterator, it_type);
  if (!bounds.mark) bounds.mark = start_mark;
  warehouse::Range bound_range{mode.iterator, it_type};
  bound_range.include_unparsable = false;
  if (IsTimeType(it_type)) {
    // Never read past the run's start; for dates, only completed days.
    bound_range.upper = it_type == IteratorType::kDate
                            ? core::Value::DateValue(static_cast<int32_t>(
                                  core::FloorDiv(input.run_start, core::kMicrosPerDay) - 1))
                            : TimeAsIterator(input.run_start, it_type);
  }
  bounds.max_iterator_range = bound_range;
  return bounds;
}

Window PlanWindow(const WindowInput& input, const WindowBounds& bounds,
                  const core::Value& max_iterator) {
  const catalog::SyncMode& mode = input.sync_mode;
  const IteratorType it_type = mode.iterator_type;
  Window window;
  window.ranges = bounds.ranges;
  if (!bounds.max_iterator_range) return window;

  core::Value upper = max_iterator;
  const std::optional<core::Value>& mark = bounds.mark;
  if (upper.is_null()) {
    // No parsable value up to the bound. Rows whose iterator does not parse are still read
    // (two ranges that no parsable value meets both of), so they become row errors instead of
    // a silent empty success; the mark does not move.
    const core::Value pivot =
        IsTimeType(it_type) ? TimeAsIterator(input.run_start, it_type) : core::Value::Int64(0);
    warehouse::Range at_most{mode.iterator, it_type};
    at_most.upper = pivot;
    warehouse::Range above{mode.iterator, it_type};
    above.lower = pivot;
    window.ranges.push_back(at_most);
    window.ranges.push_back(above);
    return window;
  }
  if (mark && !IteratorLess(*mark, upper)) {
    // Nothing past the mark; a lookback still re-reads its window for late rows.
    if (mode.lookback == 0) {
      window.nothing_to_read = true;
      return window;
    }
    upper = *mark;
  }
  warehouse::Range range{mode.iterator, it_type};
  if (mark) range.lower = Lookback(*mark, it_type, mode.lookback);
  range.upper = upper;
  window.ranges.push_back(range);
  window.new_mark = MarkToJson(upper, mode.iterator, it_type);
  return window;
}

}  // namespace wsync::sync
