#include "core/utf8.h"

#include <cstdint>
#include <cstring>

namespace wsync::core {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Bytes from `i` that are ASCII, eight at a time: most warehouse text is, and this keeps the
// validator off the sync's profile.
size_t AsciiRun(std::string_view s, size_t i) {
  const size_t start = i;
  while (i + 8 <= s.size()) {
    uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    if (word & 0x8080808080808080ULL) break;
    i += 8;
  }
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) ++i;
  return i - start;
}

bool InRange(unsigned char c, unsigned char lo, unsigned char hi) { return c >= lo && c <= hi; }

}  // namespace

size_t Utf8SequenceLength(std::string_view s, size_t i, size_t* skip) {
  const auto at = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = at(i);
  *skip = 1;
  if (c < 0x80) return 1;
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte (Table 3-7)
  if (InRange(c, 0xC2, 0xDF)) {
    need = 2;
  } else if (InRange(c, 0xE0, 0xEF)) {
    need = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlong forms
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (InRange(c, 0xF0, 0xF4)) {
    need = 4;
    if (c == 0xF0) lo = 0x90;  // no overlong forms
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  for (size_t k = 1; k < need; ++k) {
    if (i + k >= s.size() || !InRange(at(i + k), k == 1 ? lo : 0x80, k == 1 ? hi : 0xBF)) {
      *skip = k;
      return 0;
    }
  }
  return need;
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    i += AsciiRun(s, i);
    if (i == s.size()) break;
    size_t skip;
    size_t n = Utf8SequenceLength(s, i, &skip);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void AppendValidUtf8(std::string_view s, std::string* out) {
  size_t i = 0;
  while (i < s.size()) {
    size_t run = AsciiRun(s, i);
    out->append(s.substr(i, run));
    i += run;
    if (i == s.size()) break;
    size_t skip;
    size_t n = Utf8SequenceLength(s, i, &skip);
    if (n == 0) {
      out->append(kReplacement);
      i += skip;
    } else {
      out->append(s.substr(i, n));
      i += n;
    }
  }
}

std::string ToValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  AppendValidUtf8(s, &out);
  return out;
}

size_t Utf8Chars(std::string_view s) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++chars) {
    size_t skip;
    size_t n = Utf8SequenceLength(s, i, &skip);
    i += n == 0 ? skip : n;
  }
  return chars;
}

std::string QuoteForMessage(std::string_view s, size_t max_chars) {
  // Find the byte where the character budget ends, counting as Utf8Chars does.
  size_t end = 0;
  size_t chars = 0;
  while (end < s.size() && chars < max_chars) {
    size_t skip;
    size_t n = Utf8SequenceLength(s, end, &skip);
    end += n == 0 ? skip : n;
    ++chars;
  }
  std::string out = "'";
  AppendValidUtf8(s.substr(0, end), &out);
  if (end < s.size()) out.append("…");
  out.push_back('\'');
  return out;
}

}  // namespace wsync::core
