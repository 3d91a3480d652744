#include "core/time.h"

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>
#include <thread>

namespace wsync::core {
namespace {

constexpr int64_t kSecond = kMicrosPerSecond;
constexpr int64_t kHour = 3600 * kSecond;
// 2024-01-31T10:00:00Z, checked against `date -u -d ... +%s`.
constexpr int64_t kJan31_10h = 1706695200 * kSecond;

struct CivilCase {
  CivilDate date;
  int32_t days;
};

TEST(CivilTest, KnownDays) {
  const CivilCase cases[] = {
      {{1970, 1, 1}, 0},      {{1969, 12, 31}, -1},      {{1970, 3, 1}, 59},
      {{2024, 1, 31}, 19753}, {{2024, 2, 29}, 19782},    {{2000, 2, 29}, 11016},
      {{1900, 3, 1}, -25508}, {{1969, 7, 20}, -165},     {{1600, 2, 29}, -135081},
      {{1, 1, 1}, -719162},   {{9999, 12, 31}, 2932896},
  };
  for (const CivilCase& c : cases) {
    SCOPED_TRACE(FormatDate(c.days));
    EXPECT_EQ(DaysFromCivil(c.date), c.days);
    CivilDate back = CivilFromDays(c.days);
    EXPECT_EQ(back.year, c.date.year);
    EXPECT_EQ(back.month, c.date.month);
    EXPECT_EQ(back.day, c.date.day);
  }
}

TEST(CivilTest, LeapDayIsFollowedByMarchFirst) {
  // 2024 and 2000 are leap years; 1900 and 2100 are not (century rule).
  EXPECT_EQ(DaysFromCivil({2024, 3, 1}) - DaysFromCivil({2024, 2, 28}), 2);
  EXPECT_EQ(DaysFromCivil({2023, 3, 1}) - DaysFromCivil({2023, 2, 28}), 1);
  EXPECT_EQ(DaysFromCivil({2000, 3, 1}) - DaysFromCivil({2000, 2, 28}), 2);
  EXPECT_EQ(DaysFromCivil({1900, 3, 1}) - DaysFromCivil({1900, 2, 28}), 1);
  EXPECT_EQ(DaysFromCivil({2100, 3, 1}) - DaysFromCivil({2100, 2, 28}), 1);
  EXPECT_EQ(DaysFromCivil({2025, 1, 1}) - DaysFromCivil({2024, 1, 1}), 366);
  EXPECT_EQ(DaysFromCivil({2024, 1, 1}) - DaysFromCivil({2023, 1, 1}), 365);
}

TEST(CivilTest, RoundTripsEveryDayOverFourCenturies) {
  // 1800..2200 spans negative days, non-leap centuries and a leap century.
  int32_t expected = DaysFromCivil({1800, 1, 1});
  for (int y = 1800; y < 2200; ++y) {
    for (int m = 1; m <= 12; ++m) {
      for (int d = 1; d <= DaysInMonth(y, m); ++d) {
        ASSERT_EQ(DaysFromCivil({y, m, d}), expected) << y << "-" << m << "-" << d;
        CivilDate back = CivilFromDays(expected);
        ASSERT_TRUE(back.year == y && back.month == m && back.day == d) << expected;
        ++expected;
      }
    }
  }
}

TEST(DaysInMonthTest, AllMonths) {
  const int kNonLeap[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int m = 1; m <= 12; ++m) {
    EXPECT_EQ(DaysInMonth(2023, m), kNonLeap[m - 1]) << m;
    EXPECT_EQ(DaysInMonth(2024, m), m == 2 ? 29 : kNonLeap[m - 1]) << m;
  }
  EXPECT_EQ(DaysInMonth(2000, 2), 29);
  EXPECT_EQ(DaysInMonth(1900, 2), 28);
  EXPECT_EQ(DaysInMonth(2100, 2), 28);
  EXPECT_EQ(DaysInMonth(2400, 2), 29);
}

struct ParseCase {
  const char* text;
  std::optional<int64_t> micros;
};

void PrintTo(const ParseCase& c, std::ostream* os) { *os << '"' << c.text << '"'; }

class ParseTimestampTest : public testing::TestWithParam<ParseCase> {};

TEST_P(ParseTimestampTest, Parses) {
  const ParseCase& c = GetParam();
  std::optional<int64_t> got = ParseTimestamp(c.text);
  ASSERT_EQ(got.has_value(), c.micros.has_value()) << c.text;
  if (got) {
    EXPECT_EQ(*got, *c.micros) << c.text << " gave " << FormatTimestamp(*got);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Valid, ParseTimestampTest,
    testing::Values(
        ParseCase{"2024-01-31T10:00:00Z", kJan31_10h},
        ParseCase{"2024-01-31t10:00:00z", kJan31_10h}, ParseCase{"2024-01-31 10:00:00", kJan31_10h},
        ParseCase{"2024-01-31T10:00:00", kJan31_10h}, ParseCase{"2024-01-31T10:00", kJan31_10h},
        ParseCase{"  2024-01-31T10:00:00Z\t", kJan31_10h},
        ParseCase{"2024-01-31T10:00:00.25Z", kJan31_10h + 250'000},
        ParseCase{"2024-01-31T10:00:00.5", kJan31_10h + 500'000},
        ParseCase{"2024-01-31T10:00:00.000001Z", kJan31_10h + 1},
        ParseCase{"2024-01-31T10:00:00.123456Z", kJan31_10h + 123'456},
        // Digits past the microsecond are dropped, not rounded.
        ParseCase{"2024-01-31T10:00:00.1234569Z", kJan31_10h + 123'456},
        ParseCase{"2024-01-31T12:00:00+02:00", kJan31_10h},
        ParseCase{"2024-01-31 12:00:00 +02:00", kJan31_10h},
        ParseCase{"2024-01-31T05:00:00-05:00", kJan31_10h},
        ParseCase{"2024-01-31T15:30:00+05:30", kJan31_10h},
        ParseCase{"2024-01-31T10:00:00.25+00:00", kJan31_10h + 250'000},
        // An offset can move the instant to another day.
        ParseCase{"2024-02-01T00:00:00+14:00", kJan31_10h},
        ParseCase{"2024-01-31", kJan31_10h - 10 * kHour},
        ParseCase{"2024-02-29", 1709164800 * kSecond}, ParseCase{"1970-01-01T00:00:00Z", 0},
        ParseCase{"1969-12-31T23:59:59.999999Z", -1},
        ParseCase{"1969-07-20T20:17:40Z", -14182940 * kSecond},
        ParseCase{"1970-01-01T00:00:00+01:00", -kHour},
        ParseCase{"9999-12-31T23:59:59Z", 253402300799 * kSecond}),
    [](const testing::TestParamInfo<ParseCase>& info) {
      return "Valid" + std::to_string(info.index);
    });

INSTANTIATE_TEST_SUITE_P(
    Invalid, ParseTimestampTest,
    testing::Values(
        ParseCase{"", std::nullopt}, ParseCase{"abc", std::nullopt},
        ParseCase{"2024-02-30", std::nullopt}, ParseCase{"2023-02-29", std::nullopt},
        ParseCase{"2024-13-01", std::nullopt}, ParseCase{"2024-00-10", std::nullopt},
        ParseCase{"2024-01-00", std::nullopt}, ParseCase{"2024-04-31", std::nullopt},
        ParseCase{"2024-1-31", std::nullopt}, ParseCase{"24-01-31", std::nullopt},
        ParseCase{"2024/01/31", std::nullopt}, ParseCase{"2024-01-31X10:00:00", std::nullopt},
        ParseCase{"2024-01-31T", std::nullopt}, ParseCase{"2024-01-31T10", std::nullopt},
        ParseCase{"2024-01-31T10:", std::nullopt}, ParseCase{"2024-01-31T24:00:00", std::nullopt},
        ParseCase{"2024-01-31T10:60:00", std::nullopt},
        ParseCase{"2024-01-31T10:00:61", std::nullopt},
        ParseCase{"2024-01-31T10:00:00.", std::nullopt},
        ParseCase{"2024-01-31T10:00:00.Z", std::nullopt},
        ParseCase{"2024-01-31T10:00:00Zjunk", std::nullopt},
        ParseCase{"2024-01-31T10:00:00 junk", std::nullopt},
        ParseCase{"2024-01-31T10:00:00+", std::nullopt},
        ParseCase{"2024-01-31T10:00:00+2", std::nullopt},
        ParseCase{"2024-01-31T10:00:00+02:", std::nullopt},
        ParseCase{"2024-01-31T10:00:00+02:0", std::nullopt},
        ParseCase{"2024-01-31T10:00:00+24:00", std::nullopt},
        ParseCase{"2024-01-31T10:00:00+02:60", std::nullopt},
        ParseCase{"2024-01-31T10:00:00+02:00:00", std::nullopt},
        // Forms SQLite's date functions refuse (S6): the incremental SQL would call the row
        // unparsable while the mapper read it.
        ParseCase{"2024-01-31T12:00:00+0200", std::nullopt},
        ParseCase{"2024-01-31T12:00:00+02", std::nullopt},
        ParseCase{"2024-01-31T05:00:00-05", std::nullopt},
        ParseCase{"2024-02-01T01:00:00+15:00", std::nullopt},
        ParseCase{"2024-01-31T10:00:00,5", std::nullopt},
        ParseCase{"2024-01-31T10:00:60", std::nullopt}),
    [](const testing::TestParamInfo<ParseCase>& info) {
      return "Invalid" + std::to_string(info.index);
    });

TEST(ParseDateTest, DateOnly) {
  EXPECT_EQ(ParseDate("2024-01-31"), 19753);
  EXPECT_EQ(ParseDate("1969-12-31"), -1);
  EXPECT_EQ(ParseDate(" 2024-02-29 "), 19782);
  EXPECT_EQ(ParseDate("2024-02-30"), std::nullopt);
  EXPECT_EQ(ParseDate("2024-01-31T00:00:00"), std::nullopt);
  EXPECT_EQ(ParseDate("abc"), std::nullopt);
}

struct FormatCase {
  int64_t micros;
  const char* text;
};

TEST(FormatTimestampTest, KnownInstants) {
  const FormatCase cases[] = {
      {0, "1970-01-01T00:00:00Z"},
      {kJan31_10h, "2024-01-31T10:00:00Z"},
      {kJan31_10h + 250'000, "2024-01-31T10:00:00.25Z"},
      {kJan31_10h + 1, "2024-01-31T10:00:00.000001Z"},
      {kJan31_10h + 123'456, "2024-01-31T10:00:00.123456Z"},
      {-1, "1969-12-31T23:59:59.999999Z"},
      {-kSecond, "1969-12-31T23:59:59Z"},
      {-kMicrosPerDay, "1969-12-31T00:00:00Z"},
      {-14182940 * kSecond + 500'000, "1969-07-20T20:17:40.5Z"},
      {-62135596800 * kSecond, "0001-01-01T00:00:00Z"},
      {253402300799 * kSecond, "9999-12-31T23:59:59Z"},
  };
  for (const FormatCase& c : cases) {
    EXPECT_EQ(FormatTimestamp(c.micros), c.text) << c.micros;
    EXPECT_EQ(ParseTimestamp(c.text), c.micros) << c.text;
  }
}

TEST(FormatTimestampTest, RoundTripsAcrossTheEpoch) {
  // Odd strides so hours, seconds and fractions all vary; negatives exercise floor division.
  for (int64_t t = -3 * kMicrosPerDay - 7; t < 3 * kMicrosPerDay; t += 3'600'000'123) {
    std::string text = FormatTimestamp(t);
    EXPECT_EQ(ParseTimestamp(text), t) << text;
  }
  for (int64_t t : {int64_t{-1}, int64_t{1}, -kMicrosPerDay + 1, kMicrosPerDay - 1,
                    int64_t{-400} * 365 * kMicrosPerDay - 17}) {
    EXPECT_EQ(ParseTimestamp(FormatTimestamp(t)), t) << t;
  }
}

TEST(FormatDateTest, KnownDays) {
  EXPECT_EQ(FormatDate(0), "1970-01-01");
  EXPECT_EQ(FormatDate(-1), "1969-12-31");
  EXPECT_EQ(FormatDate(19782), "2024-02-29");
  EXPECT_EQ(FormatDate(-719162), "0001-01-01");
  EXPECT_EQ(FormatDate(2932896), "9999-12-31");
  EXPECT_EQ(FormatDate(2932897), "10000-01-01");  // past the four-digit fast path
}

TEST(FloorDivTest, RoundsTowardNegativeInfinity) {
  EXPECT_EQ(FloorDiv(7, 2), 3);
  EXPECT_EQ(FloorDiv(-7, 2), -4);
  EXPECT_EQ(FloorDiv(-8, 2), -4);
  EXPECT_EQ(FloorDiv(7, -2), -4);
  EXPECT_EQ(FloorDiv(-7, -2), 3);
  EXPECT_EQ(FloorDiv(0, 5), 0);
  EXPECT_EQ(FloorDiv(-1, kMicrosPerDay), -1);
}

TEST(ClockTest, FakeClockMovesOnlyWhenTold) {
  FakeClock clock(kJan31_10h);
  EXPECT_EQ(clock.NowMicros(), kJan31_10h);
  EXPECT_EQ(clock.NowMicros(), kJan31_10h);
  clock.Advance(kHour);
  EXPECT_EQ(clock.NowMicros(), kJan31_10h + kHour);
  clock.Advance(-2 * kHour);
  EXPECT_EQ(clock.NowMicros(), kJan31_10h - kHour);
  clock.Set(0);
  EXPECT_EQ(clock.NowMicros(), 0);
  EXPECT_EQ(FakeClock().NowMicros(), 0);
  const Clock& as_clock = clock;
  EXPECT_EQ(as_clock.NowMicros(), 0);
}

TEST(UnixToMicrosTest, SecondsAndMillisecondsWithinYears1To9999) {
  EXPECT_EQ(UnixToMicros(1'700'000'000, 1), 1'700'000'000 * kSecond);
  EXPECT_EQ(UnixToMicros(1'700'000'000'123, 1000), 1'700'000'000'123'000);
  EXPECT_EQ(UnixToMicros(-1, 1000), -1000);
  EXPECT_EQ(UnixToMicros(253'402'300'799, 1), 253'402'300'799 * kSecond);
  EXPECT_EQ(UnixToMicros(-62'135'596'800, 1), kMinTimestampMicros);
  EXPECT_EQ(UnixToMicros(kMaxTimestampMicros, 1'000'000), kMaxTimestampMicros);
}

TEST(UnixToMicrosTest, OutOfRangeIsRefusedWithoutOverflow) {
  // Milliseconds read as seconds land in year ~55,000 (B8): refused, not stored.
  EXPECT_EQ(UnixToMicros(1'700'000'000'000, 1), std::nullopt);
  EXPECT_EQ(UnixToMicros(253'402'300'800, 1), std::nullopt);
  EXPECT_EQ(UnixToMicros(-62'135'596'801, 1), std::nullopt);
  EXPECT_EQ(UnixToMicros(253'402'300'800'000, 1000), std::nullopt);
  EXPECT_EQ(UnixToMicros(INT64_MAX, 1), std::nullopt);
  EXPECT_EQ(UnixToMicros(INT64_MIN, 1000), std::nullopt);
  EXPECT_EQ(UnixToMicros(INT64_MIN, 1'000'000), std::nullopt);
  EXPECT_EQ(UnixToMicros(1, 0), std::nullopt);
  EXPECT_EQ(UnixToMicros(1, 7), std::nullopt);
}

TEST(DateToMicrosTest, RangeChecked) {
  EXPECT_EQ(DateToMicros(0), 0);
  EXPECT_EQ(DateToMicros(19753), 19753 * 86'400 * kSecond);
  EXPECT_EQ(DateToMicros(*ParseDate("0001-01-01")), kMinTimestampMicros);
  EXPECT_EQ(DateToMicros(*ParseDate("0001-01-01") - 1), std::nullopt);
  EXPECT_EQ(DateToMicros(*ParseDate("9999-12-31") + 1), std::nullopt);
  EXPECT_EQ(DateToMicros(INT32_MAX), std::nullopt);
  EXPECT_EQ(DateToMicros(INT32_MIN), std::nullopt);
  EXPECT_EQ(FormatTimestamp(kMaxTimestampMicros), "9999-12-31T23:59:59.999999Z");
}

// Every int64 formats without signed overflow (UBSan checks this under the asan preset).
TEST(FormatTimestampTest, ExtremesDoNotOverflow) {
  EXPECT_EQ(FormatTimestamp(INT64_MIN), "-290308-12-21T19:59:05.224192Z");
  EXPECT_EQ(FormatTimestamp(INT64_MAX), "294247-01-10T04:00:54.775807Z");
  EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999999Z");
}

TEST(ClockTest, FakeClockAdvancesFromManyThreads) {
  FakeClock clock;
  std::thread a([&] {
    for (int i = 0; i < 1000; ++i) clock.Advance(1);
  });
  std::thread b([&] {
    for (int i = 0; i < 1000; ++i) clock.Advance(2);
  });
  a.join();
  b.join();
  EXPECT_EQ(clock.NowMicros(), 3000);
}

TEST(ClockTest, SystemClockIsRecentAndMonotonicEnough) {
  int64_t a = SystemClock::Default()->NowMicros();
  int64_t b = SystemClock::Default()->NowMicros();
  EXPECT_GT(a, ParseTimestamp("2024-01-01").value());
  EXPECT_GE(b, a);
  EXPECT_EQ(SystemClock::Default(), SystemClock::Default());
}

}  // namespace
}  // namespace wsync::core
