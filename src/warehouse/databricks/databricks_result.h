// The answers of the Databricks SQL Statement Execution API (docs.databricks.com/api/
// statement-execution), parsed with simdjson without copying their rows, and how their values
// become wsync values (SPEC §2).
//  - A StatementResponse (POST /api/2.0/sql/statements, GET …/{statement_id}): statement_id,
//    status.state and status.error {error_code, message}, status.sql_state, manifest.schema.
//    columns (type_name, type_text, type_precision, type_scale), manifest.total_chunk_count, and
//    `result`: the first chunk.
//  - A ResultData (`result`, or GET …/result/chunks/{chunk_index}): chunk_index, row_count,
//    data_array (INLINE), external_links[] (EXTERNAL_LINKS: external_link, byte_count), and the
//    next chunk's next_chunk_index / next_chunk_internal_link.
//  - An external link's body (JSON_ARRAY format): the chunk's rows, a JSON array of arrays.
//  - An error body {"error_code", "message"}.
// Every JSON_ARRAY value is a string or null; its meaning comes from the column's type_name:
//   BYTE / SHORT / INT / LONG → int64; FLOAT / DOUBLE → double; DECIMAL(p,s) → decimal (every
//   digit kept; int64 when s = 0 and p ≤ 18); BOOLEAN → bool; STRING / CHAR / VARCHAR → string;
//   BINARY (base64) → bytes; DATE → date; TIMESTAMP / TIMESTAMP_NTZ (ISO 8601; NTZ read as UTC)
//   → timestamp; ARRAY / MAP / STRUCT → their JSON text; INTERVAL, NULL and the rest → string.
// A value not in its announced form keeps its text, so the mapper reports it against its row.
// Everything here reads untrusted bytes: malformed answers are statuses, never crashes
// (fuzz/databricks_result_fuzz.cc). A DatabricksPage is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/value.h"

namespace wsync::warehouse {

enum class DatabricksKind : uint8_t {
  kInteger,
  kFloat,
  kDecimal,
  kBoolean,
  kString,
  kBinary,
  kDate,
  kTimestamp,
  kJson,  // ARRAY, MAP, STRUCT
  kOther,
};

struct DatabricksColumn {
  std::string name;
  std::string type_name;  // upper case, as the manifest names it ("DECIMAL")
  DatabricksKind kind = DatabricksKind::kOther;
  int precision = 0;
  int scale = 0;
};

DatabricksKind DatabricksKindOf(std::string_view type_name);
core::Type DatabricksColumnType(const DatabricksColumn& column);
// The value of `text` (never NULL: the caller checks).
core::Value ReadDatabricksValue(const DatabricksColumn& column, std::string_view text);

// What a status or error body says (fields absent: empty).
struct DatabricksStatus {
  std::string statement_id;
  std::string state;       // PENDING, RUNNING, SUCCEEDED, FAILED, CANCELED, CLOSED
  std::string error_code;  // status.error.error_code, or a top-level error_code
  std::string message;     // status.error.message, or a top-level message
  std::string sql_state;
};
DatabricksStatus ReadDatabricksStatus(std::string_view body);

struct DatabricksLink {
  std::string url;  // external_link (a credential: never in a message)
  int64_t byte_count = 0;
  int64_t chunk_index = 0;  // the chunk it holds (asked again for a fresh link when it expired)
};

// One chunk of a result: inline rows, or the external link that holds them, and where the next
// chunk is.
class DatabricksPage {
 public:
  // A StatementResponse (`statement` true: its manifest is required when SUCCEEDED) or a
  // ResultData. Internal naming what is wrong when the body is not such an answer.
  static core::StatusOr<std::unique_ptr<DatabricksPage>> Parse(std::string body, bool statement);
  // An external link's body: a JSON array of rows.
  static core::StatusOr<std::unique_ptr<DatabricksPage>> ParseRows(std::string body);
  ~DatabricksPage();
  DatabricksPage(const DatabricksPage&) = delete;
  DatabricksPage& operator=(const DatabricksPage&) = delete;

  const DatabricksStatus& status() const;
  const std::vector<DatabricksColumn>& columns() const;  // empty but for a statement's answer
  // The chunk's external link; empty url for INLINE chunks.
  const DatabricksLink& link() const;
  // next_chunk_internal_link; empty after the last chunk.
  const std::string& next_link() const;
  int64_t next_index() const;  // -1 after the last chunk
  // Replaces `row` with the next row's values for `columns`; false after the last row.
  // Internal when a row is not an array of strings and nulls as wide as `columns`.
  core::StatusOr<bool> NextRow(const std::vector<DatabricksColumn>& columns, core::Row* row);

  struct Impl;  // databricks_result.cc

 private:
  explicit DatabricksPage(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wsync::warehouse
