#include "scheduler/schedule.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/time.h"

namespace wsync::scheduler {

namespace {

using core::FieldError;
using core::FloorDiv;
using core::kMicrosPerDay;
using core::kMicrosPerSecond;

constexpr std::string_view kTypeNames[] = {"interval", "once", "on_demand"};
constexpr std::string_view kFrequencyNames[] = {"hourly", "daily", "weekly", "monthly"};
constexpr std::string_view kKeys[] = {"type", "frequency", "start", "end"};

constexpr int64_t kMicrosPerHour = 3600 * kMicrosPerSecond;

// The fixed period of hourly/daily/weekly; 0 for monthly, whose months differ in length.
int64_t FixedPeriod(Frequency frequency) {
  switch (frequency) {
    case Frequency::kHourly:
      return kMicrosPerHour;
    case Frequency::kDaily:
      return kMicrosPerDay;
    case Frequency::kWeekly:
      return 7 * kMicrosPerDay;
    case Frequency::kMonthly:
      return 0;
  }
  return 0;
}

struct Split {
  core::CivilDate date;
  int64_t time_of_day;  // micros into the day
};

Split SplitMicros(int64_t t) {
  int64_t days = FloorDiv(t, kMicrosPerDay);
  return {core::CivilFromDays(static_cast<int32_t>(days)), t - days * kMicrosPerDay};
}

int64_t MonthNumber(const core::CivilDate& d) { return int64_t{d.year} * 12 + (d.month - 1); }

int64_t MonthlySlot(int64_t anchor, int64_t index) {
  Split a = SplitMicros(anchor);
  int64_t month = MonthNumber(a.date) + index;
  int year = static_cast<int>(FloorDiv(month, 12));
  int month_of_year = static_cast<int>(month - int64_t{year} * 12) + 1;
  int day = std::min(a.date.day, core::DaysInMonth(year, month_of_year));
  return int64_t{core::DaysFromCivil({year, month_of_year, day})} * kMicrosPerDay + a.time_of_day;
}

// Index of the latest interval slot <= t; requires t >= anchor.
int64_t IndexAtOrBefore(const Schedule& schedule, int64_t anchor, int64_t t) {
  if (int64_t period = FixedPeriod(schedule.frequency); period != 0) {
    return (t - anchor) / period;
  }
  // Slot k falls in the k-th month after the anchor's, so the month difference is the answer
  // unless t sits earlier in its month than the (clamped) anchor day and time.
  int64_t k = MonthNumber(SplitMicros(t).date) - MonthNumber(SplitMicros(anchor).date);
  return MonthlySlot(anchor, k) <= t ? k : k - 1;
}

std::optional<int64_t> BeforeEnd(const Schedule& schedule, int64_t slot) {
  if (schedule.end && slot >= *schedule.end) return std::nullopt;
  return slot;
}

template <size_t N>
std::string OneOf(const std::string_view (&names)[N]) {
  std::string out = "must be one of ";
  for (size_t i = 0; i < N; ++i) {
    if (i) out += ", ";
    out += names[i];
  }
  return out;
}

template <typename Enum, size_t N>
bool Lookup(const std::string_view (&names)[N], std::string_view name, Enum* out) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) {
      *out = static_cast<Enum>(i);
      return true;
    }
  }
  return false;
}

bool Present(const nlohmann::json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && !it->is_null();
}

// Reads an optional timestamp field; records an error and returns nullopt when it is malformed.
std::optional<int64_t> ReadTime(const nlohmann::json& body, const char* key,
                                std::vector<FieldError>* errors) {
  if (!Present(body, key)) return std::nullopt;
  const nlohmann::json& v = body.at(key);
  std::optional<int64_t> t;
  if (v.is_string()) t = core::ParseTimestamp(v.get_ref<const std::string&>());
  if (!t) {
    errors->push_back({std::string("schedule.") + key,
                       "must be an RFC 3339 timestamp such as \"2024-01-31T10:00:00Z\""});
  }
  return t;
}

}  // namespace

std::string_view ScheduleTypeName(ScheduleType type) { return kTypeNames[static_cast<int>(type)]; }

std::string_view FrequencyName(Frequency frequency) {
  return kFrequencyNames[static_cast<int>(frequency)];
}

core::StatusOr<Schedule> ParseSchedule(const nlohmann::json& body) {
  if (!body.is_object()) {
    return core::Status::InvalidField("schedule", "must be an object such as {\"type\": \"once\"}");
  }
  std::vector<FieldError> errors;
  for (const auto& [key, value] : body.items()) {
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
      errors.push_back({"schedule." + key, "unknown field; expected type, frequency, start, end"});
    }
  }

  Schedule schedule;
  bool type_ok = false;
  if (!Present(body, "type")) {
    errors.push_back({"schedule.type", "is required; " + OneOf(kTypeNames)});
  } else {
    const nlohmann::json& v = body.at("type");
    type_ok = v.is_string() && Lookup(kTypeNames, v.get_ref<const std::string&>(), &schedule.type);
    if (!type_ok) errors.push_back({"schedule.type", OneOf(kTypeNames)});
  }

  if (Present(body, "frequency")) {
    const nlohmann::json& v = body.at("frequency");
    if (type_ok && schedule.type != ScheduleType::kInterval) {
      errors.push_back({"schedule.frequency", "is only allowed for an interval schedule"});
    } else if (!v.is_string() ||
               !Lookup(kFrequencyNames, v.get_ref<const std::string&>(), &schedule.frequency)) {
      errors.push_back({"schedule.frequency", OneOf(kFrequencyNames)});
    }
  } else if (type_ok && schedule.type == ScheduleType::kInterval) {
    errors.push_back(
        {"schedule.frequency", "is required for an interval schedule; " + OneOf(kFrequencyNames)});
  }

  schedule.start = ReadTime(body, "start", &errors);
  schedule.end = ReadTime(body, "end", &errors);
  if (type_ok && schedule.type == ScheduleType::kOnDemand && Present(body, "start")) {
    errors.push_back({"schedule.start", "is not allowed for an on_demand schedule"});
  }
  if (type_ok && schedule.type != ScheduleType::kInterval && Present(body, "end")) {
    errors.push_back({"schedule.end", "is only allowed for an interval schedule"});
  }
  if (schedule.start && schedule.end && *schedule.end <= *schedule.start) {
    errors.push_back({"schedule.end", "must be after schedule.start"});
  }

  if (!errors.empty()) return core::Status::FromFieldErrors(std::move(errors));
  return schedule;
}

nlohmann::json ToJson(const Schedule& schedule) {
  nlohmann::json out = nlohmann::json::object();
  out["type"] = ScheduleTypeName(schedule.type);
  if (schedule.type == ScheduleType::kInterval) {
    out["frequency"] = FrequencyName(schedule.frequency);
  }
  if (schedule.start) out["start"] = core::FormatTimestamp(*schedule.start);
  if (schedule.end) out["end"] = core::FormatTimestamp(*schedule.end);
  return out;
}

int64_t AnchorFor(const Schedule& schedule, int64_t activation) {
  int64_t activated = FloorDiv(activation, kMicrosPerSecond) * kMicrosPerSecond;
  switch (schedule.type) {
    case ScheduleType::kInterval:
      return schedule.start.value_or(activated);
    case ScheduleType::kOnce:
      return std::max(schedule.start.value_or(activated), activated);
    case ScheduleType::kOnDemand:
      return activated;
  }
  return activated;
}

int64_t SlotAt(const Schedule& schedule, int64_t anchor, int64_t index) {
  if (schedule.type != ScheduleType::kInterval) return anchor;
  if (int64_t period = FixedPeriod(schedule.frequency); period != 0) {
    return anchor + index * period;
  }
  return MonthlySlot(anchor, index);
}

std::optional<int64_t> LatestSlotAtOrBefore(const Schedule& schedule, int64_t anchor, int64_t t) {
  if (schedule.type == ScheduleType::kOnDemand) return std::nullopt;
  // A slot must be < end, so the latest candidate is the one at or before end - 1.
  if (schedule.end) t = std::min(t, *schedule.end - 1);
  if (t < anchor) return std::nullopt;
  if (schedule.type == ScheduleType::kOnce) return anchor;
  return SlotAt(schedule, anchor, IndexAtOrBefore(schedule, anchor, t));
}

std::optional<int64_t> DueSlot(const Schedule& schedule, int64_t anchor,
                               std::optional<int64_t> last_slot_run, int64_t now) {
  std::optional<int64_t> slot = LatestSlotAtOrBefore(schedule, anchor, now);
  if (!slot || (last_slot_run && *slot <= *last_slot_run)) return std::nullopt;
  return slot;
}

std::optional<int64_t> NextSlotAfter(const Schedule& schedule, int64_t anchor, int64_t t) {
  if (schedule.type == ScheduleType::kOnDemand) return std::nullopt;
  if (t < anchor) return BeforeEnd(schedule, anchor);
  if (schedule.type == ScheduleType::kOnce) return std::nullopt;
  return BeforeEnd(schedule, SlotAt(schedule, anchor, IndexAtOrBefore(schedule, anchor, t) + 1));
}

}  // namespace wsync::scheduler
