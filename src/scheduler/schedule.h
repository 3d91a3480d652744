// Schedule: when a pipeline is due (SPEC §5 "Schedule"), as pure arithmetic on UTC microseconds.
//
// Nothing here reads a clock or keeps state: the caller passes the anchor (AnchorFor), the last
// slot it already ran and "now", and gets back the slot to run, if any. That keeps coalescing and
// pause rules testable with plain numbers and leaves persistence to the scheduler loop. Every
// function is pure and safe to call from any thread.
//
// Slots: an interval schedule is due at its anchor and every period after it, while before `end`
// (exclusive). Hourly/daily/weekly periods are fixed lengths (UTC has no DST), so weekly keeps the
// weekday; monthly keeps the anchor's day of month and time of day, clamped to each month's last
// day, always measured from the anchor (Jan 31 → Feb 29 → Mar 31, never drifting to the 29th).
// A `once` schedule has one slot, the anchor. `on_demand` has none.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string_view>

#include "core/status.h"

namespace wsync::scheduler {

enum class ScheduleType { kInterval, kOnce, kOnDemand };
enum class Frequency { kHourly, kDaily, kWeekly, kMonthly };

// "interval" | "once" | "on_demand", and "hourly" | "daily" | "weekly" | "monthly".
std::string_view ScheduleTypeName(ScheduleType type);
std::string_view FrequencyName(Frequency frequency);

struct Schedule {
  ScheduleType type = ScheduleType::kOnDemand;
  Frequency frequency = Frequency::kDaily;  // meaningful for kInterval only
  std::optional<int64_t> start;             // micros since the epoch, UTC
  std::optional<int64_t> end;               // exclusive: a slot exactly at `end` never runs
  bool operator==(const Schedule&) const = default;
};

// Parses `{type, frequency, start, end}`; start/end are RFC 3339 strings (zone-less = UTC) or
// null. `interval` requires `frequency`; `frequency` and `end` are refused for other types, and
// `start` for `on_demand`, so a stored schedule never carries fields that silently do nothing.
// A missing `start` stays empty: it means "at activation", which only the caller knows. Errors
// are InvalidArgument with one FieldError per problem, named "schedule.<key>".
core::StatusOr<Schedule> ParseSchedule(const nlohmann::json& body);
// The form ParseSchedule reads; absent fields are left out.
nlohmann::json ToJson(const Schedule& schedule);

// The instant slots are counted from, given when the pipeline was activated: `start` when set
// (interval), the later of `start` and activation (once: "at activation if start is past"), else
// activation. Activation is floored to the whole second so logical dates read cleanly.
int64_t AnchorFor(const Schedule& schedule, int64_t activation);

// The index-th slot of an interval schedule counted from `anchor` (index 0 is the anchor),
// ignoring `end`. For other types, the anchor.
int64_t SlotAt(const Schedule& schedule, int64_t anchor, int64_t index);

// The latest slot s with s <= t and s < end, or nullopt (before the anchor, on_demand).
// Resuming a paused pipeline at time r: pass LatestSlotAtOrBefore(schedule, anchor, r) as
// `last_slot_run` from then on, so slots missed while paused are not caught up.
std::optional<int64_t> LatestSlotAtOrBefore(const Schedule& schedule, int64_t anchor, int64_t t);

// The slot to run now: the latest slot s with last_slot_run < s <= now and s < end, or nullopt.
// Several missed slots coalesce into this one run; it is the run's logical_date (SPEC §5).
// `last_slot_run` is the logical date of the last scheduled run, nullopt before the first. A
// schedule whose start lies before activation therefore runs once at activation for the latest
// past slot; a caller that does not want that passes LatestSlotAtOrBefore(activation - 1).
// Constant time for every frequency.
std::optional<int64_t> DueSlot(const Schedule& schedule, int64_t anchor,
                               std::optional<int64_t> last_slot_run, int64_t now);

// The first slot strictly after t (and before end), or nullopt when there is none: past `end`,
// a `once` schedule after its slot, `on_demand`. What the scheduler sleeps until.
std::optional<int64_t> NextSlotAfter(const Schedule& schedule, int64_t anchor, int64_t t);

}  // namespace wsync::scheduler
