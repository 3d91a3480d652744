#include "sync/window.h"

#include <gtest/gtest.h>

#include <limits>

#include "core/time.h"
#include "sync/iterator.h"

namespace wsync::sync {
namespace {

using core::Value;
using warehouse::IteratorType;

int64_t At(std::string_view rfc3339) { return core::ParseTimestamp(rfc3339).value(); }

Value Ts(std::string_view rfc3339) { return Value::TimestampValue(At(rfc3339)); }
Value Day(std::string_view date) { return Value::DateValue(core::ParseDate(date).value()); }

// A range as text, so a failure shows the whole window: "col:type > lower <= upper".
std::string Describe(const warehouse::Range& r) {
  std::string s = r.column + ":" + std::string(warehouse::IteratorTypeName(r.type));
  if (r.lower) s += (r.lower_inclusive ? " >= " : " > ") + r.lower->ToText();
  if (r.upper) s += (r.upper_exclusive ? " < " : " <= ") + r.upper->ToText();
  if (!r.include_unparsable) s += " (parsable only)";
  return s;
}

std::vector<std::string> Describe(const std::vector<warehouse::Range>& ranges) {
  std::vector<std::string> out;
  for (const warehouse::Range& r : ranges) out.push_back(Describe(r));
  return out;
}

using Ranges = std::vector<std::string>;

// T0 (activation) 2026-01-05T10:00:00Z; the run starts 2026-01-10T12:00:00Z.
class WindowTest : public ::testing::Test {
 protected:
  WindowTest() {
    in_.pipeline_id = "p";
    in_.activated_at = At("2026-01-05T10:00:00Z");
    in_.run_start = At("2026-01-10T12:00:00Z");
  }

  void Incremental(std::string iterator, IteratorType type, int64_t lookback = 0) {
    in_.sync_mode.incremental = true;
    in_.sync_mode.iterator = std::move(iterator);
    in_.sync_mode.iterator_type = type;
    in_.sync_mode.lookback = lookback;
  }

  // S = 2025-01-01 on the model's timestamp field `field` (none: the iterator).
  void StartDate(std::optional<std::string> field = "updated_at") {
    in_.timestamp_field = std::move(field);
    in_.sync_start_date = At("2025-01-01T00:00:00Z");
  }

  // The historical run queued at activation, ending at `range_end`.
  void Historical(std::string range_end = "2026-01-05T10:00:00Z") {
    in_.historical = true;
    in_.range_end = std::move(range_end);
  }

  void StoredMark(const Value& mark) {
    in_.stored_mark = MarkToJson(mark, in_.sync_mode.iterator, in_.sync_mode.iterator_type);
  }

  std::string Mark(const Value& mark) const {
    return MarkToJson(mark, in_.sync_mode.iterator, in_.sync_mode.iterator_type);
  }

  WindowBounds Bounds() {
    core::StatusOr<WindowBounds> bounds = PlanBounds(in_);
    EXPECT_TRUE(bounds.ok()) << bounds.status().ToString();
    return bounds.ok() ? *bounds : WindowBounds{};
  }

  // Both steps, the warehouse answering `max_iterator`.
  Window Plan(const Value& max_iterator) { return PlanWindow(in_, Bounds(), max_iterator); }

  WindowInput in_;
};

TEST_F(WindowTest, AFullRunWithoutAStartDateReadsEverything) {
  WindowBounds bounds = Bounds();
  EXPECT_TRUE(bounds.ranges.empty());
  EXPECT_FALSE(bounds.mark);
  EXPECT_FALSE(bounds.max_iterator_range);  // nothing to ask the warehouse
  Window window = PlanWindow(in_, bounds, Value::Null());
  EXPECT_TRUE(window.ranges.empty());
  EXPECT_FALSE(window.new_mark);
  EXPECT_FALSE(window.nothing_to_read);
}

TEST_F(WindowTest, AFullRunWithAStartDateReadsFromActivation) {
  StartDate();
  EXPECT_FALSE(Bounds().max_iterator_range);
  Window window = Plan(Value::Null());
  EXPECT_EQ(Describe(window.ranges),
            Ranges({"updated_at:timestamp >= 2026-01-05T10:00:00Z (parsable only)"}));
  EXPECT_FALSE(window.new_mark);
  EXPECT_FALSE(window.nothing_to_read);
}

TEST_F(WindowTest, BeforeActivationAStartDateReadsFromItself) {
  StartDate();
  in_.activated_at.reset();
  EXPECT_EQ(Describe(Plan(Value::Null()).ranges),
            Ranges({"updated_at:timestamp >= 2025-01-01T00:00:00Z (parsable only)"}));
}

TEST_F(WindowTest, AHistoricalRunReadsFromTheStartDateUpToActivation) {
  StartDate();
  Historical();
  in_.activated_at = At("2026-02-01T00:00:00Z");  // a later activation: the run's end wins
  Incremental("updated_at", IteratorType::kTimestamp);
  StoredMark(Ts("2026-01-09T00:00:00Z"));  // the incremental mark is not the historical run's
  WindowBounds bounds = Bounds();
  EXPECT_FALSE(bounds.mark);
  EXPECT_FALSE(bounds.max_iterator_range);
  Window window = PlanWindow(in_, bounds, Value::Null());
  EXPECT_EQ(Describe(window.ranges),
            Ranges({"updated_at:timestamp >= 2025-01-01T00:00:00Z < 2026-01-05T10:00:00Z "
                    "(parsable only)"}));
  EXPECT_FALSE(window.new_mark);
}

TEST_F(WindowTest, AHistoricalRunOnADateIteratorFiltersInDays) {
  StartDate(std::nullopt);
  in_.sync_start_date = At("2025-01-01T08:00:00Z");
  Historical();
  Incremental("day", IteratorType::kDate);
  EXPECT_EQ(Describe(Plan(Value::Null()).ranges),
            Ranges({"day:date >= 2025-01-01 < 2026-01-05 (parsable only)"}));
}

TEST_F(WindowTest, AHistoricalRunWithoutAnEndIsABug) {
  StartDate();
  Historical("not a time");  // never falls back to the activation time
  core::StatusOr<WindowBounds> bounds = PlanBounds(in_);
  ASSERT_FALSE(bounds.ok());
  EXPECT_EQ(bounds.status().code(), core::StatusCode::kInternal);
  EXPECT_EQ(bounds.status().message(), "pipeline 'p': historical run without an end");
}

TEST_F(WindowTest, AStartDateWithoutATimeColumnIsRefused) {
  const std::string message =
      "pipeline 'p': sync_start_date needs a time column: set the data model's timestamp_field";
  auto refused = [&](const char* what) {
    core::StatusOr<WindowBounds> bounds = PlanBounds(in_);
    ASSERT_FALSE(bounds.ok()) << what;
    EXPECT_EQ(bounds.status().code(), core::StatusCode::kInvalidArgument) << what;
    EXPECT_EQ(bounds.status().message(), message) << what;
  };
  StartDate(std::nullopt);
  refused("a full sync without a timestamp field");
  Incremental("seq", IteratorType::kInteger);
  refused("an integer iterator without a timestamp field");
  StartDate();
  in_.sync_start_date.reset();
  Historical();
  refused("a historical run without a start date");
}

TEST_F(WindowTest, AFirstIncrementalRunStartsJustBeforeActivation) {
  StartDate(std::nullopt);  // the iterator is the time column
  Incremental("updated_at", IteratorType::kTimestamp);
  WindowBounds bounds = Bounds();
  EXPECT_TRUE(bounds.ranges.empty());  // the mark alone keeps the run to ts >= T0
  ASSERT_TRUE(bounds.mark);
  EXPECT_EQ(bounds.mark->ToText(), "2026-01-05T09:59:59.999Z");
  Window window = PlanWindow(in_, bounds, Ts("2026-01-08T00:00:00Z"));
  EXPECT_EQ(Describe(window.ranges),
            Ranges({"updated_at:timestamp > 2026-01-05T09:59:59.999Z <= 2026-01-08T00:00:00Z"}));
  EXPECT_EQ(window.new_mark, Mark(Ts("2026-01-08T00:00:00Z")));
}

TEST_F(WindowTest, AFirstRunsStartMarkIsOfTheIteratorsKind) {
  StartDate();  // a timestamp field does not change the mark's kind
  Incremental("day", IteratorType::kDate);
  EXPECT_EQ(Bounds().mark->ToText(), "2026-01-04");
  Incremental("epoch", IteratorType::kUnixS);
  EXPECT_EQ(Bounds().mark, Value::Int64(At("2026-01-05T10:00:00Z") / 1'000'000 - 1));
  EXPECT_TRUE(Bounds().ranges.empty());
}

TEST_F(WindowTest, AStoredMarkStartsTheWindow) {
  StartDate(std::nullopt);  // the stored mark wins over T0
  Incremental("updated_at", IteratorType::kTimestamp);
  StoredMark(Ts("2026-01-07T00:00:00Z"));
  Window window = Plan(Ts("2026-01-09T00:00:00Z"));
  EXPECT_EQ(Describe(window.ranges),
            Ranges({"updated_at:timestamp > 2026-01-07T00:00:00Z <= 2026-01-09T00:00:00Z"}));
  EXPECT_EQ(window.new_mark, Mark(Ts("2026-01-09T00:00:00Z")));
  EXPECT_FALSE(window.nothing_to_read);
}

TEST_F(WindowTest, AMarkOfAnotherIteratorOrTypeIsNoMark) {
  Incremental("updated_at", IteratorType::kTimestamp);
  in_.stored_mark = MarkToJson(Ts("2026-01-07T00:00:00Z"), "created_at", IteratorType::kTimestamp);
  EXPECT_FALSE(Bounds().mark);
  EXPECT_EQ(Describe(Plan(Ts("2026-01-09T00:00:00Z")).ranges),
            Ranges({"updated_at:timestamp <= 2026-01-09T00:00:00Z"}));

  in_.stored_mark = MarkToJson(Day("2026-01-07"), "updated_at", IteratorType::kDate);
  EXPECT_FALSE(Bounds().mark);
  StartDate(std::nullopt);  // a first run again: from T0
  EXPECT_EQ(Bounds().mark->ToText(), "2026-01-05T09:59:59.999Z");
}

TEST_F(WindowTest, ALookbackReadsAgainBeforeTheMark) {
  Incremental("updated_at", IteratorType::kTimestamp, 3600);
  StoredMark(Ts("2026-01-07T00:00:00Z"));
  Window window = Plan(Ts("2026-01-09T00:00:00Z"));
  EXPECT_EQ(Describe(window.ranges),
            Ranges({"updated_at:timestamp > 2026-01-06T23:00:00Z <= 2026-01-09T00:00:00Z"}));
  EXPECT_EQ(window.new_mark, Mark(Ts("2026-01-09T00:00:00Z")));
}

TEST_F(WindowTest, AHugeLookbackSaturates) {
  const int64_t huge = std::numeric_limits<int64_t>::max();
  Incremental("updated_at", IteratorType::kTimestamp, huge);
  StoredMark(Ts("2026-01-07T00:00:00Z"));
  Window window = Plan(Ts("2026-01-09T00:00:00Z"));
  ASSERT_EQ(window.ranges.size(), 1u);
  EXPECT_EQ(window.ranges[0].lower, Value::TimestampValue(MinTimeMicros()));

  Incremental("seq", IteratorType::kInteger, huge);
  StoredMark(Value::Int64(-10));
  window = Plan(Value::Int64(20));
  ASSERT_EQ(window.ranges.size(), 1u);
  EXPECT_EQ(window.ranges[0].lower, Value::Int64(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(window.new_mark, Mark(Value::Int64(20)));
}

TEST_F(WindowTest, ADateIteratorStopsAtTheLastCompletedDay) {
  Incremental("day", IteratorType::kDate);
  std::optional<warehouse::Range> asked = Bounds().max_iterator_range;
  ASSERT_TRUE(asked);
  EXPECT_EQ(Describe(*asked), "day:date <= 2026-01-09 (parsable only)");
  in_.run_start = At("2026-01-10T00:00:00Z");  // midnight: the 9th has just completed
  EXPECT_EQ(Describe(*Bounds().max_iterator_range), "day:date <= 2026-01-09 (parsable only)");
}

TEST_F(WindowTest, TimeIteratorsStopAtTheRunsStart) {
  Incremental("updated_at", IteratorType::kTimestamp);
  EXPECT_EQ(Describe(*Bounds().max_iterator_range),
            "updated_at:timestamp <= 2026-01-10T12:00:00Z (parsable only)");
  Incremental("epoch_ms", IteratorType::kUnixMs);
  EXPECT_EQ(Bounds().max_iterator_range->upper, Value::Int64(At("2026-01-10T12:00:00Z") / 1000));
  Incremental("seq", IteratorType::kInteger);  // an integer has no time to stop at
  EXPECT_EQ(Describe(*Bounds().max_iterator_range), "seq:integer (parsable only)");
}

TEST_F(WindowTest, NoParsableValueReadsTheUnparsableRowsAndKeepsTheMark) {
  Incremental("updated_at", IteratorType::kTimestamp);
  StoredMark(Ts("2026-01-07T00:00:00Z"));
  Window window = Plan(Value::Null());
  // No parsable value is in both ranges; a row whose iterator does not parse is in both.
  EXPECT_EQ(Describe(window.ranges), Ranges({"updated_at:timestamp <= 2026-01-10T12:00:00Z",
                                             "updated_at:timestamp > 2026-01-10T12:00:00Z"}));
  EXPECT_FALSE(window.new_mark);
  EXPECT_FALSE(window.nothing_to_read);

  Incremental("seq", IteratorType::kInteger);
  EXPECT_EQ(Describe(Plan(Value::Null()).ranges), Ranges({"seq:integer <= 0", "seq:integer > 0"}));
}

TEST_F(WindowTest, NothingPastTheMarkWithoutALookbackReadsNothing) {
  Incremental("updated_at", IteratorType::kTimestamp);
  StoredMark(Ts("2026-01-07T00:00:00Z"));
  Window window = Plan(Ts("2026-01-07T00:00:00Z"));
  EXPECT_TRUE(window.nothing_to_read);
  EXPECT_FALSE(window.new_mark);
  EXPECT_TRUE(Plan(Ts("2026-01-06T00:00:00Z")).nothing_to_read);  // the mark never moves back
}

TEST_F(WindowTest, NothingPastTheMarkWithALookbackReadsTheWindowAgain) {
  Incremental("updated_at", IteratorType::kTimestamp, 86400);
  StoredMark(Ts("2026-01-07T00:00:00Z"));
  Window window = Plan(Ts("2026-01-06T12:00:00Z"));
  EXPECT_FALSE(window.nothing_to_read);
  EXPECT_EQ(Describe(window.ranges),
            Ranges({"updated_at:timestamp > 2026-01-06T00:00:00Z <= 2026-01-07T00:00:00Z"}));
  EXPECT_EQ(window.new_mark, Mark(Ts("2026-01-07T00:00:00Z")));  // not moved back
}

TEST_F(WindowTest, AnIntegerIteratorWithAStartDateFiltersOnTheTimestampField) {
  StartDate();
  Incremental("seq", IteratorType::kInteger);
  StoredMark(Value::Int64(10));
  WindowBounds bounds = Bounds();
  EXPECT_EQ(bounds.mark, Value::Int64(10));
  Window window = PlanWindow(in_, bounds, Value::Int64(42));
  EXPECT_EQ(Describe(window.ranges),
            Ranges({"updated_at:timestamp >= 2026-01-05T10:00:00Z (parsable only)",
                    "seq:integer > 10 <= 42"}));
  EXPECT_EQ(window.new_mark, Mark(Value::Int64(42)));

  in_.stored_mark.reset();  // a first run: every seq, from T0 on the timestamp field
  EXPECT_FALSE(Bounds().mark);
  EXPECT_EQ(Describe(Plan(Value::Int64(42)).ranges),
            Ranges({"updated_at:timestamp >= 2026-01-05T10:00:00Z (parsable only)",
                    "seq:integer <= 42"}));
}

}  // namespace
}  // namespace wsync::sync
