// Config keys every SQL connector reads the same way, beside its provider's own:
//  - max_columns (optional): a positive integer up to 100000, default 100 — a model returning
//    more columns is refused (CheckColumnCount in columns.h);
//  - statement_timeout_s (optional): 1 s to 7 days, default 3600 (SPEC §5: one hour).
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "core/status.h"

namespace wsync::warehouse {

inline constexpr int kDefaultMaxColumns = 100;
inline constexpr int64_t kMaxMaxColumns = 100'000;
inline constexpr int64_t kDefaultStatementTimeoutS = 3600;
inline constexpr int64_t kMaxStatementTimeoutS = 7 * 24 * 3600;

struct CommonConfig {
  int max_columns = kDefaultMaxColumns;
  std::chrono::seconds statement_timeout{kDefaultStatementTimeoutS};
};

// InvalidField naming config.max_columns or config.statement_timeout_s when one is out of range.
// `config` is an object (the connector checked).
core::StatusOr<CommonConfig> ReadCommonConfig(const nlohmann::json& config);

}  // namespace wsync::warehouse
