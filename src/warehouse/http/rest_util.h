// Small pieces the REST warehouses (Snowflake, BigQuery, Databricks) share: reading optional
// string keys of a connection config, a configured base URL, and a message on one line
// (base64 is in base64.h).
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/status.h"

namespace wsync::warehouse {

// config[key] as a string; empty when absent or null; InvalidField("config.<key>") when it is
// not a string. `config` is an object.
core::StatusOr<std::string> OptionalConfigString(const nlohmann::json& config, const char* key);

// `url` without trailing '/'; InvalidField("config.<key>") unless it starts with https:// or
// http:// (plain http is refused later by the transport outside an allowed network).
core::StatusOr<std::string> NormalizeBaseUrl(std::string url, const char* key);

// `text` with line breaks turned into spaces (a warehouse's message inside ours).
std::string OneLine(std::string text);

}  // namespace wsync::warehouse
