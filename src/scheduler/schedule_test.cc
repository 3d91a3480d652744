#include "scheduler/schedule.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"

namespace wsync::scheduler {
namespace {

using nlohmann::json;

constexpr int64_t kMinute = 60 * core::kMicrosPerSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = core::kMicrosPerDay;

// Test inputs are literals, so a typo should fail loudly rather than become a silent 0.
int64_t T(const char* text) {
  std::optional<int64_t> t = core::ParseTimestamp(text);
  EXPECT_TRUE(t.has_value()) << "bad test timestamp " << text;
  return t.value_or(0);
}

std::string F(std::optional<int64_t> t) { return t ? core::FormatTimestamp(*t) : "none"; }

Schedule Interval(Frequency frequency, std::optional<int64_t> start = std::nullopt,
                  std::optional<int64_t> end = std::nullopt) {
  return Schedule{ScheduleType::kInterval, frequency, start, end};
}

// --- SlotAt ---------------------------------------------------------------------------------

struct SlotCase {
  Frequency frequency;
  const char* anchor;
  int64_t index;
  const char* slot;
};

TEST(SlotAtTest, Table) {
  const SlotCase cases[] = {
      {Frequency::kHourly, "2024-01-31T10:15:00Z", 0, "2024-01-31T10:15:00Z"},
      {Frequency::kHourly, "2024-01-31T10:15:00Z", 1, "2024-01-31T11:15:00Z"},
      {Frequency::kHourly, "2024-01-31T10:15:00Z", 14, "2024-02-01T00:15:00Z"},
      {Frequency::kHourly, "2024-01-31T10:15:00Z", 24 * 29, "2024-02-29T10:15:00Z"},
      {Frequency::kDaily, "2024-02-28T06:00:00Z", 1, "2024-02-29T06:00:00Z"},
      {Frequency::kDaily, "2024-02-28T06:00:00Z", 2, "2024-03-01T06:00:00Z"},
      {Frequency::kDaily, "2023-02-28T06:00:00Z", 1, "2023-03-01T06:00:00Z"},
      {Frequency::kDaily, "2023-12-31T23:59:59Z", 1, "2024-01-01T23:59:59Z"},
      {Frequency::kDaily, "2024-01-01T00:00:00Z", 366, "2025-01-01T00:00:00Z"},
      // 2024-01-31 is a Wednesday; so are all of these.
      {Frequency::kWeekly, "2024-01-31T09:00:00Z", 1, "2024-02-07T09:00:00Z"},
      {Frequency::kWeekly, "2024-01-31T09:00:00Z", 4, "2024-02-28T09:00:00Z"},
      {Frequency::kWeekly, "2024-01-31T09:00:00Z", 5, "2024-03-06T09:00:00Z"},
      {Frequency::kWeekly, "2024-01-31T09:00:00Z", 48, "2025-01-01T09:00:00Z"},
      // Monthly keeps the anchor day, clamped, and always measured from the anchor.
      {Frequency::kMonthly, "2023-01-31T08:00:00Z", 1, "2023-02-28T08:00:00Z"},
      {Frequency::kMonthly, "2023-01-31T08:00:00Z", 2, "2023-03-31T08:00:00Z"},
      {Frequency::kMonthly, "2023-01-31T08:00:00Z", 3, "2023-04-30T08:00:00Z"},
      {Frequency::kMonthly, "2023-01-31T08:00:00Z", 12, "2024-01-31T08:00:00Z"},
      {Frequency::kMonthly, "2023-01-31T08:00:00Z", 13, "2024-02-29T08:00:00Z"},
      {Frequency::kMonthly, "2023-01-31T08:00:00Z", 14, "2024-03-31T08:00:00Z"},
      {Frequency::kMonthly, "2024-01-31T08:00:00Z", 1, "2024-02-29T08:00:00Z"},
      {Frequency::kMonthly, "2024-01-31T08:00:00Z", 2, "2024-03-31T08:00:00Z"},
      {Frequency::kMonthly, "2024-01-31T08:00:00Z", 3, "2024-04-30T08:00:00Z"},
      {Frequency::kMonthly, "2024-01-31T08:00:00Z", 11, "2024-12-31T08:00:00Z"},
      {Frequency::kMonthly, "2024-02-29T00:00:00Z", 12, "2025-02-28T00:00:00Z"},
      {Frequency::kMonthly, "2024-02-29T00:00:00Z", 13, "2025-03-29T00:00:00Z"},
      {Frequency::kMonthly, "2024-02-29T00:00:00Z", 48, "2028-02-29T00:00:00Z"},
      {Frequency::kMonthly, "2024-01-15T12:30:00.5Z", 11, "2024-12-15T12:30:00.5Z"},
      {Frequency::kMonthly, "2024-01-15T12:30:00Z", 12, "2025-01-15T12:30:00Z"},
      {Frequency::kMonthly, "2099-12-31T00:00:00Z", 2, "2100-02-28T00:00:00Z"},
      {Frequency::kMonthly, "1969-12-31T23:00:00Z", 2, "1970-02-28T23:00:00Z"},
      {Frequency::kMonthly, "2024-03-31T00:00:00Z", -1, "2024-02-29T00:00:00Z"},
  };
  for (const SlotCase& c : cases) {
    EXPECT_EQ(F(SlotAt(Interval(c.frequency), T(c.anchor), c.index)), c.slot)
        << FrequencyName(c.frequency) << " from " << c.anchor << " #" << c.index;
  }
}

TEST(SlotAtTest, OnceAndOnDemandHaveOnlyTheAnchor) {
  int64_t anchor = T("2024-01-31T10:00:00Z");
  EXPECT_EQ(SlotAt(Schedule{ScheduleType::kOnce, Frequency::kDaily, {}, {}}, anchor, 0), anchor);
  EXPECT_EQ(SlotAt(Schedule{ScheduleType::kOnDemand, Frequency::kDaily, {}, {}}, anchor, 3),
            anchor);
}

// --- LatestSlotAtOrBefore against a brute-force walk -----------------------------------------

TEST(LatestSlotTest, AgreesWithWalkingTheSlots) {
  const char* anchors[] = {"2024-01-31T10:00:00Z", "2023-01-30T23:59:59.999999Z",
                           "2023-12-31T00:00:00Z", "1969-11-30T12:00:00Z"};
  for (Frequency frequency :
       {Frequency::kHourly, Frequency::kDaily, Frequency::kWeekly, Frequency::kMonthly}) {
    for (const char* anchor_text : anchors) {
      Schedule schedule = Interval(frequency);
      int64_t anchor = T(anchor_text);
      // Odd stride, so t lands just before, on and after slots in every month of two years.
      int64_t stride = frequency == Frequency::kHourly ? 7 * kMinute + 13 : 13 * kHour + 7;
      int64_t span = frequency == Frequency::kHourly ? 20 * kDay : 800 * kDay;
      int64_t index = -1;  // latest slot index <= t, walked forward
      for (int64_t t = anchor - kDay; t < anchor + span; t += stride) {
        while (SlotAt(schedule, anchor, index + 1) <= t) ++index;
        std::optional<int64_t> want =
            index < 0 ? std::nullopt : std::optional(SlotAt(schedule, anchor, index));
        ASSERT_EQ(LatestSlotAtOrBefore(schedule, anchor, t), want)
            << FrequencyName(frequency) << " anchor " << anchor_text << " t " << F(t) << " want "
            << F(want);
        ASSERT_EQ(NextSlotAfter(schedule, anchor, t), SlotAt(schedule, anchor, index + 1))
            << FrequencyName(frequency) << " anchor " << anchor_text << " t " << F(t);
      }
      // Exactly on a slot, and one microsecond either side of it.
      int64_t slot = SlotAt(schedule, anchor, 5);
      EXPECT_EQ(LatestSlotAtOrBefore(schedule, anchor, slot), slot);
      EXPECT_EQ(LatestSlotAtOrBefore(schedule, anchor, slot - 1), SlotAt(schedule, anchor, 4));
      EXPECT_EQ(LatestSlotAtOrBefore(schedule, anchor, slot + 1), slot);
      EXPECT_EQ(NextSlotAfter(schedule, anchor, slot), SlotAt(schedule, anchor, 6));
      EXPECT_EQ(NextSlotAfter(schedule, anchor, slot - 1), slot);
    }
  }
}

// --- DueSlot: coalescing, end, start ---------------------------------------------------------

struct DueCase {
  const char* name;
  Schedule schedule;
  const char* anchor;
  std::optional<const char*> last_slot_run;
  const char* now;
  const char* due;  // "none" when nothing is due
};

TEST(DueSlotTest, Table) {
  const Schedule daily =
      Interval(Frequency::kDaily, T("2024-01-01T00:00:00Z"), T("2024-01-10T00:00:00Z"));
  const Schedule monthly = Interval(Frequency::kMonthly, T("2024-01-31T10:00:00Z"));
  const Schedule hourly = Interval(Frequency::kHourly, T("2024-01-01T00:30:00Z"));
  const Schedule weekly = Interval(Frequency::kWeekly, T("2024-01-31T09:00:00Z"));
  const DueCase cases[] = {
      {"before start", daily, "2024-01-01T00:00:00Z", std::nullopt, "2023-12-31T23:59:59Z", "none"},
      {"at start", daily, "2024-01-01T00:00:00Z", std::nullopt, "2024-01-01T00:00:00Z",
       "2024-01-01T00:00:00Z"},
      {"first run late", daily, "2024-01-01T00:00:00Z", std::nullopt, "2024-01-01T07:00:00Z",
       "2024-01-01T00:00:00Z"},
      {"already ran", daily, "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z",
       "2024-01-01T23:59:59.999999Z", "none"},
      {"next day", daily, "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z",
       "2024-01-02T00:00:00Z"},
      {"three missed coalesce into the latest", daily, "2024-01-01T00:00:00Z",
       "2024-01-01T00:00:00Z", "2024-01-04T05:00:00Z", "2024-01-04T00:00:00Z"},
      {"never ran, many missed", daily, "2024-01-01T00:00:00Z", std::nullopt,
       "2024-01-07T12:00:00Z", "2024-01-07T00:00:00Z"},
      {"last before end", daily, "2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z",
       "2024-01-09T23:59:59Z", "2024-01-09T00:00:00Z"},
      {"slot at end is not due", daily, "2024-01-01T00:00:00Z", "2024-01-09T00:00:00Z",
       "2024-01-10T00:00:00Z", "none"},
      {"long after end", daily, "2024-01-01T00:00:00Z", "2024-01-09T00:00:00Z",
       "2024-03-01T00:00:00Z", "none"},
      {"missed up to end coalesce before end", daily, "2024-01-01T00:00:00Z",
       "2024-01-04T00:00:00Z", "2024-02-01T00:00:00Z", "2024-01-09T00:00:00Z"},
      {"hourly coalesce", hourly, "2024-01-01T00:30:00Z", "2024-01-01T01:30:00Z",
       "2024-01-01T06:29:59Z", "2024-01-01T05:30:00Z"},
      {"hourly nothing yet", hourly, "2024-01-01T00:30:00Z", "2024-01-01T05:30:00Z",
       "2024-01-01T06:29:59Z", "none"},
      {"weekly keeps weekday", weekly, "2024-01-31T09:00:00Z", "2024-01-31T09:00:00Z",
       "2024-02-14T08:00:00Z", "2024-02-07T09:00:00Z"},
      {"monthly leap day", monthly, "2024-01-31T10:00:00Z", "2024-01-31T10:00:00Z",
       "2024-02-29T10:00:00Z", "2024-02-29T10:00:00Z"},
      {"monthly not yet on leap day", monthly, "2024-01-31T10:00:00Z", "2024-01-31T10:00:00Z",
       "2024-02-29T09:59:59Z", "none"},
      {"monthly back to 31st", monthly, "2024-01-31T10:00:00Z", "2024-02-29T10:00:00Z",
       "2024-03-30T23:00:00Z", "none"},
      {"monthly back to 31st due", monthly, "2024-01-31T10:00:00Z", "2024-02-29T10:00:00Z",
       "2024-03-31T10:00:00Z", "2024-03-31T10:00:00Z"},
      {"monthly coalesce over a year", monthly, "2024-01-31T10:00:00Z", "2024-02-29T10:00:00Z",
       "2025-03-15T00:00:00Z", "2025-02-28T10:00:00Z"},
  };
  for (const DueCase& c : cases) {
    std::optional<int64_t> last;
    if (c.last_slot_run) last = T(*c.last_slot_run);
    EXPECT_EQ(F(DueSlot(c.schedule, T(c.anchor), last, T(c.now))), c.due) << c.name;
  }
}

TEST(DueSlotTest, FarApartTimesAreCheap) {
  // Arithmetic, not a walk: eight thousand years of hourly slots answer at once.
  Schedule hourly = Interval(Frequency::kHourly, T("0001-01-01T00:00:00Z"));
  EXPECT_EQ(F(DueSlot(hourly, *hourly.start, std::nullopt, T("9999-12-31T23:59:59Z"))),
            "9999-12-31T23:00:00Z");
  Schedule monthly = Interval(Frequency::kMonthly, T("0001-01-31T06:00:00Z"));
  EXPECT_EQ(F(DueSlot(monthly, *monthly.start, std::nullopt, T("9999-12-31T23:59:59Z"))),
            "9999-12-31T06:00:00Z");
  EXPECT_EQ(F(NextSlotAfter(monthly, *monthly.start, T("9999-11-30T07:00:00Z"))),
            "9999-12-31T06:00:00Z");
}

TEST(DueSlotTest, NothingDueBeforeAFutureStart) {
  Schedule s = Interval(Frequency::kHourly, T("2024-06-01T00:00:00Z"));
  int64_t activation = T("2024-05-20T08:00:00Z");
  int64_t anchor = AnchorFor(s, activation);
  EXPECT_EQ(F(anchor), "2024-06-01T00:00:00Z");
  EXPECT_EQ(DueSlot(s, anchor, std::nullopt, activation), std::nullopt);
  EXPECT_EQ(DueSlot(s, anchor, std::nullopt, T("2024-05-31T23:59:59Z")), std::nullopt);
  EXPECT_EQ(F(NextSlotAfter(s, anchor, activation)), "2024-06-01T00:00:00Z");
}

TEST(DueSlotTest, IntervalWithoutStartCountsFromActivation) {
  Schedule s = Interval(Frequency::kDaily);
  int64_t activation = T("2024-01-31T10:17:23.456789Z");
  int64_t anchor = AnchorFor(s, activation);
  EXPECT_EQ(F(anchor), "2024-01-31T10:17:23Z");  // whole seconds
  EXPECT_EQ(DueSlot(s, anchor, std::nullopt, activation), anchor);
  EXPECT_EQ(DueSlot(s, anchor, anchor, activation + kHour), std::nullopt);
  EXPECT_EQ(F(NextSlotAfter(s, anchor, activation)), "2024-02-01T10:17:23Z");
}

TEST(DueSlotTest, PastStartCatchUpIsTheCallersChoice) {
  Schedule s = Interval(Frequency::kDaily, T("2024-01-01T00:00:00Z"));
  int64_t activation = T("2024-06-01T15:00:00Z");
  int64_t anchor = AnchorFor(s, activation);
  // By default the latest past slot runs once at activation...
  EXPECT_EQ(F(DueSlot(s, anchor, std::nullopt, activation)), "2024-06-01T00:00:00Z");
  // ...unless the caller marks everything before activation as done.
  std::optional<int64_t> skip = LatestSlotAtOrBefore(s, anchor, activation - 1);
  EXPECT_EQ(DueSlot(s, anchor, skip, activation), std::nullopt);
  EXPECT_EQ(F(DueSlot(s, anchor, skip, T("2024-06-02T00:00:00Z"))), "2024-06-02T00:00:00Z");
}

TEST(DueSlotTest, PausedSlotsAreNotCaughtUp) {
  Schedule s = Interval(Frequency::kHourly, T("2024-01-01T00:00:00Z"));
  int64_t anchor = *s.start;
  std::optional<int64_t> last = T("2024-01-01T02:00:00Z");  // ran; paused at 02:30
  int64_t resumed = T("2024-01-01T07:20:00Z");
  // Without the pause rule, 03:00..07:00 would coalesce into a 07:00 run right away.
  EXPECT_EQ(F(DueSlot(s, anchor, last, resumed)), "2024-01-01T07:00:00Z");
  last = LatestSlotAtOrBefore(s, anchor, resumed);
  EXPECT_EQ(F(last), "2024-01-01T07:00:00Z");
  EXPECT_EQ(DueSlot(s, anchor, last, resumed), std::nullopt);
  EXPECT_EQ(DueSlot(s, anchor, last, T("2024-01-01T07:59:59Z")), std::nullopt);
  EXPECT_EQ(F(DueSlot(s, anchor, last, T("2024-01-01T08:00:00Z"))), "2024-01-01T08:00:00Z");
  EXPECT_EQ(F(NextSlotAfter(s, anchor, resumed)), "2024-01-01T08:00:00Z");
}

TEST(DueSlotTest, ResumeBeforeFirstSlotLeavesItDue) {
  Schedule s = Interval(Frequency::kDaily, T("2024-06-01T00:00:00Z"));
  // Paused and resumed before the first slot: nothing was missed.
  std::optional<int64_t> last = LatestSlotAtOrBefore(s, *s.start, T("2024-05-30T00:00:00Z"));
  EXPECT_EQ(last, std::nullopt);
  EXPECT_EQ(DueSlot(s, *s.start, last, T("2024-06-01T00:00:01Z")), *s.start);
}

// --- NextSlotAfter and end --------------------------------------------------------------------

TEST(NextSlotAfterTest, StopsBeforeEnd) {
  Schedule s = Interval(Frequency::kDaily, T("2024-01-01T00:00:00Z"), T("2024-01-10T00:00:00Z"));
  int64_t anchor = *s.start;
  EXPECT_EQ(F(NextSlotAfter(s, anchor, T("2023-12-01T00:00:00Z"))), "2024-01-01T00:00:00Z");
  EXPECT_EQ(F(NextSlotAfter(s, anchor, anchor)), "2024-01-02T00:00:00Z");
  EXPECT_EQ(F(NextSlotAfter(s, anchor, T("2024-01-08T12:00:00Z"))), "2024-01-09T00:00:00Z");
  EXPECT_EQ(NextSlotAfter(s, anchor, T("2024-01-09T00:00:00Z")), std::nullopt);
  EXPECT_EQ(NextSlotAfter(s, anchor, T("2025-01-01T00:00:00Z")), std::nullopt);
  EXPECT_EQ(F(LatestSlotAtOrBefore(s, anchor, T("2025-01-01T00:00:00Z"))), "2024-01-09T00:00:00Z");
  // End earlier than the anchor (start absent, activated late): never due.
  Schedule late = Interval(Frequency::kDaily, std::nullopt, T("2024-01-10T00:00:00Z"));
  int64_t anchor_late = AnchorFor(late, T("2024-02-01T00:00:00Z"));
  EXPECT_EQ(NextSlotAfter(late, anchor_late, T("2024-01-05T00:00:00Z")), std::nullopt);
  EXPECT_EQ(DueSlot(late, anchor_late, std::nullopt, T("2024-03-01T00:00:00Z")), std::nullopt);
}

TEST(NextSlotAfterTest, MonthlyLeapDay) {
  Schedule s = Interval(Frequency::kMonthly, T("2024-01-31T10:00:00Z"));
  EXPECT_EQ(F(NextSlotAfter(s, *s.start, T("2024-02-29T09:59:59Z"))), "2024-02-29T10:00:00Z");
  EXPECT_EQ(F(NextSlotAfter(s, *s.start, T("2024-02-29T10:00:00Z"))), "2024-03-31T10:00:00Z");
  EXPECT_EQ(F(NextSlotAfter(s, *s.start, T("2024-03-31T10:00:00Z"))), "2024-04-30T10:00:00Z");
}

// --- once and on_demand ------------------------------------------------------------------------

TEST(OnceTest, FutureStartRunsAtStart) {
  Schedule s{ScheduleType::kOnce, Frequency::kDaily, T("2024-02-01T00:00:00Z"), std::nullopt};
  int64_t activation = T("2024-01-31T10:00:00Z");
  int64_t anchor = AnchorFor(s, activation);
  EXPECT_EQ(F(anchor), "2024-02-01T00:00:00Z");
  EXPECT_EQ(DueSlot(s, anchor, std::nullopt, activation), std::nullopt);
  EXPECT_EQ(F(NextSlotAfter(s, anchor, activation)), "2024-02-01T00:00:00Z");
  EXPECT_EQ(DueSlot(s, anchor, std::nullopt, anchor), anchor);
  EXPECT_EQ(DueSlot(s, anchor, std::nullopt, anchor + 30 * kDay), anchor);  // late, still once
  EXPECT_EQ(DueSlot(s, anchor, anchor, anchor + 30 * kDay), std::nullopt);
  EXPECT_EQ(NextSlotAfter(s, anchor, anchor), std::nullopt);
}

TEST(OnceTest, PastStartRunsAtActivation) {
  Schedule s{ScheduleType::kOnce, Frequency::kDaily, T("2024-01-01T00:00:00Z"), std::nullopt};
  int64_t activation = T("2024-01-31T10:00:00.9Z");
  int64_t anchor = AnchorFor(s, activation);
  EXPECT_EQ(F(anchor), "2024-01-31T10:00:00Z");
  EXPECT_EQ(DueSlot(s, anchor, std::nullopt, activation), anchor);
  EXPECT_EQ(DueSlot(s, anchor, anchor, activation + kDay), std::nullopt);
  EXPECT_EQ(NextSlotAfter(s, anchor, activation), std::nullopt);
}

TEST(OnceTest, AbsentStartRunsAtActivation) {
  Schedule s{ScheduleType::kOnce, Frequency::kDaily, std::nullopt, std::nullopt};
  int64_t activation = T("2024-01-31T10:00:00Z");
  int64_t anchor = AnchorFor(s, activation);
  EXPECT_EQ(anchor, activation);
  EXPECT_EQ(DueSlot(s, anchor, std::nullopt, activation), activation);
  EXPECT_EQ(LatestSlotAtOrBefore(s, anchor, activation - 1), std::nullopt);
  EXPECT_EQ(LatestSlotAtOrBefore(s, anchor, activation + kDay), activation);
}

TEST(OnDemandTest, NeverDue) {
  Schedule s{ScheduleType::kOnDemand, Frequency::kDaily, std::nullopt, std::nullopt};
  int64_t anchor = AnchorFor(s, T("2024-01-31T10:00:00Z"));
  for (int64_t now : {anchor - kDay, anchor, anchor + kDay, anchor + 400 * kDay}) {
    EXPECT_EQ(DueSlot(s, anchor, std::nullopt, now), std::nullopt);
    EXPECT_EQ(NextSlotAfter(s, anchor, now), std::nullopt);
    EXPECT_EQ(LatestSlotAtOrBefore(s, anchor, now), std::nullopt);
  }
}

// --- ParseSchedule / ToJson ------------------------------------------------------------------

TEST(ParseScheduleTest, Interval) {
  core::StatusOr<Schedule> s = ParseSchedule(json::parse(
      R"({"type": "interval", "frequency": "weekly", "start": "2024-01-31T12:00:00+02:00",
          "end": "2024-06-01"})"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->type, ScheduleType::kInterval);
  EXPECT_EQ(s->frequency, Frequency::kWeekly);
  EXPECT_EQ(F(s->start), "2024-01-31T10:00:00Z");
  EXPECT_EQ(F(s->end), "2024-06-01T00:00:00Z");
}

TEST(ParseScheduleTest, EveryFrequency) {
  for (Frequency f :
       {Frequency::kHourly, Frequency::kDaily, Frequency::kWeekly, Frequency::kMonthly}) {
    core::StatusOr<Schedule> s =
        ParseSchedule(json{{"type", "interval"}, {"frequency", FrequencyName(f)}});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(s->frequency, f);
    EXPECT_EQ(s->start, std::nullopt);  // "at activation": filled in by AnchorFor
  }
}

TEST(ParseScheduleTest, OnceAndOnDemand) {
  core::StatusOr<Schedule> once = ParseSchedule(json{{"type", "once"}});
  ASSERT_TRUE(once.ok()) << once.status().ToString();
  EXPECT_EQ(once->type, ScheduleType::kOnce);
  EXPECT_EQ(once->start, std::nullopt);

  once = ParseSchedule(json{{"type", "once"}, {"start", "2024-01-31 10:00:00"}});
  ASSERT_TRUE(once.ok()) << once.status().ToString();
  EXPECT_EQ(F(once->start), "2024-01-31T10:00:00Z");

  core::StatusOr<Schedule> on_demand = ParseSchedule(json{{"type", "on_demand"}});
  ASSERT_TRUE(on_demand.ok()) << on_demand.status().ToString();
  EXPECT_EQ(on_demand->type, ScheduleType::kOnDemand);
}

TEST(ParseScheduleTest, NullMeansAbsent) {
  core::StatusOr<Schedule> s = ParseSchedule(
      json::parse(R"({"type": "once", "frequency": null, "start": null, "end": null})"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->start, std::nullopt);
  EXPECT_EQ(s->end, std::nullopt);
}

struct ErrorCase {
  const char* body;
  std::string message;
  std::vector<std::string> fields;
};

TEST(ParseScheduleTest, Errors) {
  const std::string kTypes = "must be one of interval, once, on_demand";
  const std::string kFrequencies = "must be one of hourly, daily, weekly, monthly";
  const std::string kTime = "must be an RFC 3339 timestamp such as \"2024-01-31T10:00:00Z\"";
  const ErrorCase cases[] = {
      {R"([])", "schedule: must be an object such as {\"type\": \"once\"}", {"schedule"}},
      {R"("daily")", "schedule: must be an object such as {\"type\": \"once\"}", {"schedule"}},
      {R"({})", "schedule.type: is required; " + kTypes, {"schedule.type"}},
      {R"({"type": null})", "schedule.type: is required; " + kTypes, {"schedule.type"}},
      {R"({"type": "weekly"})", "schedule.type: " + kTypes, {"schedule.type"}},
      {R"({"type": 1})", "schedule.type: " + kTypes, {"schedule.type"}},
      {R"({"type": "Interval", "frequency": "daily"})",
       "schedule.type: " + kTypes,
       {"schedule.type"}},
      {R"({"type": "interval"})",
       "schedule.frequency: is required for an interval schedule; " + kFrequencies,
       {"schedule.frequency"}},
      {R"({"type": "interval", "frequency": "yearly"})",
       "schedule.frequency: " + kFrequencies,
       {"schedule.frequency"}},
      {R"({"type": "interval", "frequency": 24})",
       "schedule.frequency: " + kFrequencies,
       {"schedule.frequency"}},
      {R"({"type": "once", "frequency": "daily"})",
       "schedule.frequency: is only allowed for an interval schedule",
       {"schedule.frequency"}},
      {R"({"type": "interval", "frequency": "daily", "start": "2024-02-30"})",
       "schedule.start: " + kTime,
       {"schedule.start"}},
      {R"({"type": "interval", "frequency": "daily", "start": 1706695200})",
       "schedule.start: " + kTime,
       {"schedule.start"}},
      {R"({"type": "interval", "frequency": "daily", "end": "tomorrow"})",
       "schedule.end: " + kTime,
       {"schedule.end"}},
      {R"({"type": "interval", "frequency": "daily", "start": "2024-02-01",
           "end": "2024-01-31T23:59:59Z"})",
       "schedule.end: must be after schedule.start",
       {"schedule.end"}},
      {R"({"type": "interval", "frequency": "daily", "start": "2024-02-01T02:00:00+02:00",
           "end": "2024-02-01T00:00:00Z"})",
       "schedule.end: must be after schedule.start",
       {"schedule.end"}},
      {R"({"type": "on_demand", "start": "2024-02-01"})",
       "schedule.start: is not allowed for an on_demand schedule",
       {"schedule.start"}},
      {R"({"type": "once", "end": "2024-02-01"})",
       "schedule.end: is only allowed for an interval schedule",
       {"schedule.end"}},
      {R"({"type": "once", "timezone": "UTC"})",
       "schedule.timezone: unknown field; expected type, frequency, start, end",
       {"schedule.timezone"}},
      // Every problem at once, so a form can mark all its fields in one round trip.
      {R"({"type": "interval", "frequency": "yearly", "end": "x", "cron": "* * * * *"})",
       "schedule.cron: unknown field; expected type, frequency, start, end; "
       "schedule.frequency: " +
           kFrequencies + "; schedule.end: " + kTime,
       {"schedule.cron", "schedule.frequency", "schedule.end"}},
  };
  for (const ErrorCase& c : cases) {
    core::StatusOr<Schedule> s = ParseSchedule(json::parse(c.body));
    ASSERT_FALSE(s.ok()) << c.body;
    EXPECT_EQ(s.status().code(), core::StatusCode::kInvalidArgument) << c.body;
    EXPECT_EQ(s.status().message(), c.message) << c.body;
    std::vector<std::string> fields;
    core::Status status = s.status();  // status() returns a copy; keep it alive while iterating
    for (const core::FieldError& e : status.details()) fields.push_back(e.field);
    EXPECT_EQ(fields, c.fields) << c.body;
  }
}

TEST(ToJsonTest, WritesOnlyMeaningfulFields) {
  Schedule interval =
      Interval(Frequency::kMonthly, T("2024-01-31T10:00:00Z"), T("2025-01-01T00:00:00.5Z"));
  EXPECT_EQ(ToJson(interval).dump(), R"({"end":"2025-01-01T00:00:00.5Z","frequency":"monthly",)"
                                     R"("start":"2024-01-31T10:00:00Z","type":"interval"})");
  EXPECT_EQ(ToJson(Schedule{ScheduleType::kOnce, Frequency::kHourly, {}, {}}).dump(),
            R"({"type":"once"})");
  EXPECT_EQ(ToJson(Schedule{ScheduleType::kOnDemand, Frequency::kHourly, {}, {}}).dump(),
            R"({"type":"on_demand"})");
}

TEST(ToJsonTest, RoundTrips) {
  const Schedule schedules[] = {
      Interval(Frequency::kHourly),
      Interval(Frequency::kDaily, T("2024-01-31T10:00:00.25Z")),
      Interval(Frequency::kWeekly, std::nullopt, T("2030-01-01T00:00:00Z")),
      Interval(Frequency::kMonthly, T("1969-12-31T23:00:00Z"), T("1970-06-30T00:00:00Z")),
      Schedule{ScheduleType::kOnce, Frequency::kDaily, T("2024-01-31T10:00:00Z"), std::nullopt},
      Schedule{ScheduleType::kOnce, Frequency::kDaily, std::nullopt, std::nullopt},
      Schedule{ScheduleType::kOnDemand, Frequency::kDaily, std::nullopt, std::nullopt},
  };
  for (const Schedule& s : schedules) {
    core::StatusOr<Schedule> back = ParseSchedule(ToJson(s));
    ASSERT_TRUE(back.ok()) << ToJson(s).dump() << ": " << back.status().ToString();
    EXPECT_EQ(*back, s) << ToJson(s).dump();
  }
}

TEST(NamesTest, TypeAndFrequencyNames) {
  EXPECT_EQ(ScheduleTypeName(ScheduleType::kInterval), "interval");
  EXPECT_EQ(ScheduleTypeName(ScheduleType::kOnce), "once");
  EXPECT_EQ(ScheduleTypeName(ScheduleType::kOnDemand), "on_demand");
  EXPECT_EQ(FrequencyName(Frequency::kHourly), "hourly");
  EXPECT_EQ(FrequencyName(Frequency::kMonthly), "monthly");
}

}  // namespace
}  // namespace wsync::scheduler
