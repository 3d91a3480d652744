#include "core/time.h"

#include <chrono>
#include <cstdio>

namespace wsync::core {

// Howard Hinnant's days_from_civil / civil_from_days.
int32_t DaysFromCivil(CivilDate d) {
  int y = d.year - (d.month <= 2);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned mp = static_cast<unsigned>(d.month + (d.month > 2 ? -3 : 9));
  const unsigned doy = (153 * mp + 2) / 5 + static_cast<unsigned>(d.day) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int32_t>(doe) - 719468;
}

CivilDate CivilFromDays(int32_t days) {
  const int64_t z = int64_t{days} + 719468;  // 64 bits: INT32_MAX days must not overflow
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int y = static_cast<int>(yoe + era * 400);
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return CivilDate{y + (m <= 2), static_cast<int>(m), static_cast<int>(d)};
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<int32_t> ParseDate(std::string_view text) {
  text = Trim(text);
  int y, m, d;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !Digits(text, 0, 4, &y) ||
      !Digits(text, 5, 2, &m) || !Digits(text, 8, 2, &d)) {
    return std::nullopt;
  }
  if (m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m)) return std::nullopt;
  return DaysFromCivil({y, m, d});
}

std::optional<int64_t> ParseTimestamp(std::string_view text) {
  text = Trim(text);
  if (text.size() < 10) return std::nullopt;
  std::optional<int32_t> days = ParseDate(text.substr(0, 10));
  if (!days) return std::nullopt;
  int64_t micros = *days * kMicrosPerDay;
  size_t pos = 10;
  if (pos == text.size()) return micros;
  if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') return std::nullopt;
  ++pos;
  int hh, mm, ss = 0;
  if (!Digits(text, pos, 2, &hh) || pos + 2 >= text.size() || text[pos + 2] != ':' ||
      !Digits(text, pos + 3, 2, &mm)) {
    return std::nullopt;
  }
  pos += 5;
  if (pos < text.size() && text[pos] == ':') {
    if (!Digits(text, pos + 1, 2, &ss)) return std::nullopt;
    pos += 3;
  }
  if (hh > 23 || mm > 59 || ss > 59) return std::nullopt;  // SQLite refuses :60 too
  int64_t fraction = 0;
  if (pos < text.size() && text[pos] == '.') {  // SQLite refuses a decimal comma
    ++pos;
    int64_t scale = 100000;
    size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (scale > 0) fraction += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  micros += ((hh * 60 + mm) * 60 + ss) * kMicrosPerSecond + fraction;
  if (pos == text.size()) return micros;
  if (text[pos] == 'Z' || text[pos] == 'z')
    return pos + 1 == text.size() ? std::optional(micros) : std::nullopt;
  if (text[pos] == ' ') ++pos;  // "2024-01-01 10:00:00 +02:00"
  if (pos >= text.size() || (text[pos] != '+' && text[pos] != '-')) return std::nullopt;
  int sign = text[pos] == '+' ? 1 : -1;
  ++pos;
  // Exactly "HH:MM" with HH <= 14, as SQLite's date functions read it: an offset SQLite refuses
  // ("+0200", "+02") would make the incremental SQL and the mapper disagree about the row.
  int oh, om;
  if (!Digits(text, pos, 2, &oh) || pos + 2 >= text.size() || text[pos + 2] != ':' ||
      !Digits(text, pos + 3, 2, &om)) {
    return std::nullopt;
  }
  pos += 5;
  if (pos != text.size() || oh > 14 || om > 59) return std::nullopt;
  return micros - sign * (oh * 3600 + om * 60) * kMicrosPerSecond;
}

namespace {

// Writes `v` (0 <= v < 10^width) as exactly `width` digits: this runs for every date and
// timestamp a sync writes, where snprintf dominated.
char* PutDigits(int64_t v, int width, char* p) {
  for (int i = width - 1; i >= 0; --i, v /= 10) p[i] = static_cast<char>('0' + v % 10);
  return p + width;
}

// "YYYY-MM-DD" into `p` (11 bytes), or nullptr for years outside 0..9999.
char* PutDate(const CivilDate& c, char* p) {
  if (c.year < 0 || c.year > 9999) return nullptr;
  p = PutDigits(c.year, 4, p);
  *p++ = '-';
  p = PutDigits(c.month, 2, p);
  *p++ = '-';
  return PutDigits(c.day, 2, p);
}

}  // namespace

std::string FormatDate(int32_t days) {
  CivilDate c = CivilFromDays(days);
  char buf[32];
  if (char* end = PutDate(c, buf)) return std::string(buf, end);
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", c.year, c.month, c.day);
  return buf;
}

std::string FormatTimestamp(int64_t micros) {
  int64_t days = FloorDiv(micros, kMicrosPerDay);
  // Not micros - days * kMicrosPerDay: that product overflows near INT64_MIN.
  int64_t rest = micros % kMicrosPerDay;
  if (rest < 0) rest += kMicrosPerDay;
  int64_t secs = rest / kMicrosPerSecond;
  int64_t frac = rest % kMicrosPerSecond;
  char buf[48];
  std::string out = FormatDate(static_cast<int32_t>(days));
  char* p = buf;
  *p++ = 'T';
  p = PutDigits(secs / 3600, 2, p);
  *p++ = ':';
  p = PutDigits(secs / 60 % 60, 2, p);
  *p++ = ':';
  p = PutDigits(secs % 60, 2, p);
  if (frac != 0) {
    *p++ = '.';
    int width = 6;
    while (frac % 10 == 0) {
      frac /= 10;
      --width;
    }
    p = PutDigits(frac, width, p);
  }
  *p++ = 'Z';
  out.append(buf, p);
  return out;
}

std::optional<int64_t> UnixToMicros(int64_t value, int64_t units_per_second) {
  if (units_per_second <= 0 || units_per_second > kMicrosPerSecond ||
      kMicrosPerSecond % units_per_second != 0) {
    return std::nullopt;
  }
  const int64_t factor = kMicrosPerSecond / units_per_second;
  if (value < kMinTimestampMicros / factor || value > kMaxTimestampMicros / factor) {
    return std::nullopt;
  }
  return value * factor;
}

std::optional<int64_t> DateToMicros(int32_t days) {
  if (days < kMinTimestampMicros / kMicrosPerDay || days > kMaxTimestampMicros / kMicrosPerDay) {
    return std::nullopt;
  }
  return static_cast<int64_t>(days) * kMicrosPerDay;
}

int64_t SystemClock::NowMicros() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

SystemClock* SystemClock::Default() {
  static SystemClock clock;
  return &clock;
}

}  // namespace wsync::core
