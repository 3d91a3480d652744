// The answers of the Snowflake SQL API, parsed (simdjson) without copying their rows: a
// ResultSet (the statement's answer: statementHandle, resultSetMetaData with rowType and
// partitionInfo, and the rows of partition 0 in `data`), the answer of a later partition (its
// `data`), and the small status bodies of 202 and errors (code, message, sqlState,
// statementHandle). A page keeps its body and converts one row at a time (snowflake_values.h),
// so a stream holds one partition's text and the batch it is filling — never a whole result.
// Everything here reads untrusted bytes: malformed answers are statuses, never crashes
// (fuzz/snowflake_result_fuzz.cc).
// A ResultPage is used by one thread at a time; the free functions are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/value.h"
#include "warehouse/snowflake/snowflake_values.h"

namespace wsync::warehouse {

// What every answer may say about its statement (fields absent: empty).
struct StatementInfo {
  std::string code;  // Snowflake's own code: "090001" success, "333334" still running, ...
  std::string message;
  std::string sql_state;
  std::string handle;  // statementHandle
};

// StatementInfo of a status or error body; empty fields when it is not JSON.
StatementInfo ReadStatementInfo(std::string_view body);

struct ResultMeta {
  std::vector<SnowflakeColumn> columns;
  std::vector<int64_t> partition_rows;   // partitionInfo[i].rowCount
  std::vector<int64_t> partition_bytes;  // partitionInfo[i].uncompressedSize (0 if absent)
};

class ResultPage {
 public:
  // Parses `body`: a ResultSet when `with_meta` (its rowType is required), else a partition's
  // answer. Internal naming what is wrong when the body is not such an answer.
  static core::StatusOr<std::unique_ptr<ResultPage>> Parse(std::string body, bool with_meta);
  ~ResultPage();
  ResultPage(const ResultPage&) = delete;
  ResultPage& operator=(const ResultPage&) = delete;

  const StatementInfo& info() const;
  const ResultMeta& meta() const;  // empty for a partition's answer
  size_t row_count() const;
  // Replaces `row` with the next row's values for `columns`; false after the last row.
  // Internal when a row is not an array of strings and nulls as wide as `columns`.
  core::StatusOr<bool> NextRow(const std::vector<SnowflakeColumn>& columns, core::Row* row);

 private:
  struct Impl;
  explicit ResultPage(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wsync::warehouse
