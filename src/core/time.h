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
// optional "Z", "+HH:MM", "+HHMM" or "+HH". Zone-less values are UTC.
std::optional<int64_t> ParseTimestamp(std::string_view text);
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
