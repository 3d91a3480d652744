// Checks every request passes before a handler sees it (SPEC §12 "every request is bounded",
// "bad bytes never reach the store or a response"): JSON bodies are parsed with a nesting-depth
// limit (a SAX pass counts depth before any DOM exists, so a 100k-deep value can never reach the
// recursive copy/dump code), and request text that is not UTF-8 or holds a NUL is refused.
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/status.h"

namespace wsync::api {

// Deepest nesting of arrays/objects a request body (or a config file value) may have.
inline constexpr int kMaxJsonDepth = 64;

// Parses `text` as one JSON value nested at most `max_depth` deep. InvalidArgument (with a
// message fit for a client) for malformed JSON, a number out of range (1e400), a NUL byte,
// trailing bytes, or nesting over the limit. Never throws.
core::StatusOr<nlohmann::json> ParseBoundedJson(std::string_view text,
                                                int max_depth = kMaxJsonDepth);

// OK when `text` is well-formed UTF-8 without NUL bytes; else InvalidArgument naming `what`
// ("the request path", "query parameter 'x'", "the request body").
core::Status CheckRequestText(std::string_view what, std::string_view text);

// JSON text that never throws: ill-formed UTF-8 in strings becomes U+FFFD.
std::string SafeDump(const nlohmann::json& value);

}  // namespace wsync::api
