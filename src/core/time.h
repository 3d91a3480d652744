// Calendar arithmetic and the text forms of dates and timestamps (UTC, microseconds), plus the
// Clock seam: everything that asks "what time is it" takes a Clock so tests can pass a fake.
// The free functions are pure; SystemClock is thread-safe; FakeClock is safe to read from many
// threads while one test thread moves it.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wsync::core {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

struct CivilDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
};

int32_t DaysFromCivil(CivilDate d);
CivilDate CivilFromDays(int32_t days);
int DaysInMonth(int year, int month);

// Accepts "YYYY-MM-DD" optionally followed by 'T' or ' ' and "HH:MM[:SS[.fraction]]", then an
// optional "Z" or "[+-]HH:MM" (HH <= 14), optionally after one space. Zone-less values are UTC.
// The offset forms are exactly SQLite's: "+0200" and "+02" are refused, so the incremental
// SQL (which normalises through SQLite's strftime) and the mapper agree on every row.
std::optional<int64_t> ParseTimestamp(std::string_view text);

// The timestamps a value may carry: years 1..9999, what FormatTimestamp writes as RFC 3339
// and every warehouse can hold. A source time outside is a row error, never a stored value.
constexpr int64_t kMinTimestampMicros = -62'135'596'800 * kMicrosPerSecond;      // 0001-01-01
constexpr int64_t kMaxTimestampMicros = 253'402'300'800 * kMicrosPerSecond - 1;  // 9999-12-31
inline bool InTimestampRange(int64_t micros) {
  return micros >= kMinTimestampMicros && micros <= kMaxTimestampMicros;
}
// `value` units since the epoch (1 a second: unix seconds, 1000: milliseconds, at most 10^6)
// as micros; nullopt outside the range above, so no multiplication can overflow.
std::optional<int64_t> UnixToMicros(int64_t value, int64_t units_per_second);
// Midnight UTC of a day number; nullopt outside the range above.
std::optional<int64_t> DateToMicros(int32_t days);
// Accepts "YYYY-MM-DD" only.
std::optional<int32_t> ParseDate(std::string_view text);

// RFC 3339 with Z; the fraction appears only when non-zero ("2024-01-31T10:00:00.250Z").
std::string FormatTimestamp(int64_t micros);
std::string FormatDate(int32_t days);
// Floor division for negative timestamps.
inline int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMicros() const = 0;
};

class SystemClock : public Clock {
 public:
  int64_t NowMicros() const override;
  static SystemClock* Default();
};

class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t micros = 0) : now_(micros) {}
  int64_t NowMicros() const override { return now_.load(); }
  void Set(int64_t micros) { now_.store(micros); }
  void Advance(int64_t micros) { now_.fetch_add(micros); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace wsync::core
