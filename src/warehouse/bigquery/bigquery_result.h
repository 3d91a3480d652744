// The answers of BigQuery's jobs.query and jobs.getQueryResults, parsed (simdjson) without
// copying their rows: jobComplete, jobReference (projectId, jobId, location), totalRows,
// pageToken, schema.fields (nested for RECORD, mode REPEATED) and the page's rows. A page keeps
// its body and converts one row at a time (bigquery_values.h), so a stream holds one page's
// text and the batch it is filling — never a whole result. Also the error body every Google
// API answers with: {"error":{"code","message","status","errors":[{"reason","location",
// "message"}]}}, and the OAuth2 token endpoint's {"error","error_description"}.
// Everything here reads untrusted bytes: malformed answers are statuses, never crashes
// (fuzz/bigquery_result_fuzz.cc).
// A BigQueryPage is used by one thread at a time; the free functions are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/value.h"
#include "warehouse/bigquery/bigquery_values.h"

namespace wsync::warehouse {

// What an error answer says (fields absent: empty; code 0).
struct BigQueryError {
  int code = 0;
  std::string message;
  std::string status;       // "INVALID_ARGUMENT", "NOT_FOUND", …
  std::string reason;       // of the first entry of errors[]: "invalidQuery", "notFound", …
  std::string oauth_error;  // the token endpoint's "error" ("invalid_grant")
};
BigQueryError ReadBigQueryError(std::string_view body);

struct BigQueryJob {
  std::string project_id;
  std::string job_id;
  std::string location;
};

class BigQueryPage {
 public:
  // Parses a QueryResponse / GetQueryResultsResponse. Internal naming what is wrong when the
  // body is not one. The schema is required once the job is complete.
  static core::StatusOr<std::unique_ptr<BigQueryPage>> Parse(std::string body);
  ~BigQueryPage();
  BigQueryPage(const BigQueryPage&) = delete;
  BigQueryPage& operator=(const BigQueryPage&) = delete;

  bool job_complete() const;
  const BigQueryJob& job() const;
  const std::string& page_token() const;
  int64_t total_rows() const;  // -1 when absent
  bool has_schema() const;
  const std::vector<BigQueryField>& schema() const;
  size_t row_count() const;
  // Replaces `row` with the next row's values for `fields`; false after the last row.
  // Internal when a row is not {"f":[…]} as wide as `fields`.
  core::StatusOr<bool> NextRow(const std::vector<BigQueryField>& fields, core::Row* row);

 private:
  struct Impl;
  explicit BigQueryPage(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wsync::warehouse
