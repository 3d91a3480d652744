// The window planner: which slice of the model one run reads (SPEC §5) — the sync start date
// and historical ranges, the incremental mark, the upper bound (capped at the run's start, or the
// last completed day for dates), the lookback, and the mark the run leaves behind.
//
// Two pure steps around the run's one warehouse question, which the caller asks:
//   PlanBounds(input)                        → the filters known so far, the mark, and the range
//                                              to ask Connector::MaxIterator about (if any);
//   PlanWindow(input, bounds, max_iterator)  → the query's ranges and the new mark, or nothing to
//                                              read.
// No I/O and no clock: the run's start and the activation time come in the input. Pure
// functions of their arguments; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "catalog/definitions.h"
#include "core/status.h"
#include "core/value.h"
#include "warehouse/connector.h"

namespace wsync::sync {

// What the planner needs to know about the pipeline, its model, the run and the stored mark.
struct WindowInput {
  std::string pipeline_id{};  // names the pipeline in messages
  catalog::SyncMode sync_mode{};
  std::optional<std::string> timestamp_field{};  // the model's
  std::optional<int64_t> sync_start_date{};      // S, micros
  bool historical = false;                       // the run loads S <= ts < T0
  // T0, the activation time: the run's range_end (RFC 3339) when it has one, else the
  // pipeline's activated_at.
  std::optional<std::string> range_end{};
  std::optional<int64_t> activated_at{};
  int64_t run_start = 0;                     // micros; time iterators never read past it
  std::optional<std::string> stored_mark{};  // the pipeline's high_water_mark (JSON text)
};

// The first step's answer.
struct WindowBounds {
  std::vector<warehouse::Range> ranges;  // the sync start date's or historical run's filter
  // The exclusive lower end of the iterator window: the stored mark when it is of the
  // pipeline's iterator and type, else the start mark just before T0 (time iterators with a
  // start date), else none (read from the beginning).
  std::optional<core::Value> mark;
  // The caller asks Connector::MaxIterator over this range and hands the answer to PlanWindow.
  // Unset when the run has no iterator window (full and historical runs): nothing to ask.
  std::optional<warehouse::Range> max_iterator_range;
};

// The second step's answer.
struct Window {
  std::vector<warehouse::Range> ranges;  // warehouse::Query::ranges, ANDed
  // The typed mark (MarkToJson) to write with the run's last batch; unset leaves the stored
  // mark as it is.
  std::optional<std::string> new_mark;
  // The run ends here and succeeds, reading and recording nothing: no row lies past the mark
  // and there is no lookback window to read again.
  bool nothing_to_read = false;
};

// InvalidArgument "pipeline 'ID': sync_start_date needs a time column: set the data model's
// timestamp_field" when a historical run or a start date has no time column to filter on;
// Internal when a historical run has no end.
core::StatusOr<WindowBounds> PlanBounds(const WindowInput& input);

// `max_iterator` is the warehouse's answer for bounds.max_iterator_range (Null: no parsable
// value up to the bound); ignored when no range was asked about.
Window PlanWindow(const WindowInput& input, const WindowBounds& bounds,
                  const core::Value& max_iterator);

}  // namespace wsync::sync
