// UTF-8 checks for values that come from outside (warehouse cells, column names): the one
// validator the mapper and the JSON writer share, a repair for text that is only displayed
// (messages, discover), and the quoting every row-error message uses so that a message never
// embeds a whole cell. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace wsync::core {

// True when `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
// above U+10FFFF). NUL bytes are valid UTF-8.
bool IsValidUtf8(std::string_view s);

// Length of the well-formed sequence starting at s[i] (1..4), or 0 when the bytes there are not
// one; then `*skip` is how many bytes one U+FFFD stands for (Unicode's "maximal subpart"
// practice, as browsers and ICU replace them).
size_t Utf8SequenceLength(std::string_view s, size_t i, size_t* skip);

// Appends `s` with every ill-formed sequence replaced by U+FFFD.
void AppendValidUtf8(std::string_view s, std::string* out);
std::string ToValidUtf8(std::string_view s);

// Characters (code points) in `s`; an ill-formed byte counts as one.
size_t Utf8Chars(std::string_view s);

// The form of a cell's text in a message: single-quoted, cut after `max_chars` characters
// with "…", ill-formed sequences replaced by U+FFFD. Row errors keep up to 1000 messages a run,
// so a 1 MB value must not make a 1 MB message.
constexpr size_t kMessageValueChars = 80;
std::string QuoteForMessage(std::string_view s, size_t max_chars = kMessageValueChars);

}  // namespace wsync::core
