// The seam between wsync and a warehouse. A Connector reaches one warehouse; it verifies the
// connection, discovers a model's columns, finds an incremental upper bound and streams a
// model's rows as typed batches with bounded memory. Implementations own their Dialect (quoting,
// wrapping, iterator predicates: dialect.h) and share type inference, batching and column checks
// (type_inference.h, batcher.h, columns.h). Providers and their factories are in registry.h.
// This header includes no driver header.
//
// Threads: a Connector and the RowStreams it returns are used by one thread at a time; a
// RowStream may be handed to another thread (the run executor extracts on its own thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/stop_token.h"
#include "core/value.h"

namespace wsync::warehouse {

// How an incremental iterator column is read and compared (SPEC §5).
enum class IteratorType {
  kTimestamp,  // also "datetime" and the Snowflake timestamp_ltz / _ntz / _tz spellings
  kDate,
  kUnixMs,  // timestamp_unixtime_ms
  kUnixS,   // timestamp_unixtime_s
  kInteger,
};

// Parses "timestamp", "timestamp_ltz", "date", "datetime", "integer", ...; false when unknown.
bool ParseIteratorType(std::string_view name, IteratorType* type);
// The canonical name of each type (what typed marks and messages show).
std::string_view IteratorTypeName(IteratorType type);

// The rows an extraction reads. Each bound is optional; a value of the iterator's kind:
// timestamp → Value::TimestampValue, date → Value::DateValue, the others → Value::Int64.
// Members have default initializers so designated initializers may leave any of them out
// (GCC's -Wmissing-field-initializers otherwise fires under -Werror).
struct Range {
  std::string column{};
  IteratorType type = IteratorType::kTimestamp;
  std::optional<core::Value> lower{};  // exclusive, or inclusive when lower_inclusive
  bool lower_inclusive = false;
  std::optional<core::Value> upper{};  // inclusive, or exclusive when upper_exclusive
  bool upper_exclusive = false;
  // Also return rows whose column is not NULL but does not parse as `type`, so the executor
  // can report them as row errors.
  bool include_unparsable = true;
};

struct Query {
  std::string model_sql{};         // already checked by CheckReadOnlySql
  std::vector<Range> ranges{};     // ANDed together (incremental window, historical range)
  std::optional<int64_t> limit{};  // preview and max_rows_per_run
  size_t batch_rows = 10'000;      // a batch ends at this many rows ...
  size_t batch_bytes = 16u << 20;  // ... or at about this many bytes, whichever comes first
};

struct Discovery {
  std::vector<core::Column> columns;
  std::vector<core::Row> sample_rows;
  std::vector<std::string> warnings;
};

class RowStream {
 public:
  virtual ~RowStream() = default;
  virtual const std::vector<core::Column>& columns() const = 0;
  // Replaces `batch` with the next rows. Returns false (and an empty batch) at the end.
  virtual core::StatusOr<bool> Next(core::RowBatch* batch) = 0;
};

// The reason a connector's failure carries (core::Reason), from its code: the warehouse refused
// (InvalidArgument, NotFound, PermissionDenied, Unauthenticated, FailedPrecondition →
// kWarehouseRejected) or could not be reached in time (Unavailable, DeadlineExceeded,
// ResourceExhausted, Cancelled → kWarehouseUnreachable). Internal errors and statuses that
// already carry a reason are returned unchanged. Registry::Create applies it to every call of the
// connectors it makes, so a provider need not.
core::Status WithWarehouseReason(core::Status status);

class Connector {
 public:
  virtual ~Connector() = default;
  // Connects and runs a trivial query. InvalidArgument / PermissionDenied / NotFound when the
  // warehouse refuses; Unavailable / DeadlineExceeded when it cannot be reached.
  virtual core::Status Verify() = 0;
  // Columns of the model (through the LIMIT 0 wrap) and up to `sample_rows` rows.
  virtual core::StatusOr<Discovery> Discover(std::string_view model_sql, int sample_rows) = 0;
  // The largest parsable value of `range.column` within `range`'s other bounds, as a value of
  // the iterator's kind; Null when there is none.
  virtual core::StatusOr<core::Value> MaxIterator(std::string_view model_sql,
                                                  const Range& range) = 0;
  virtual core::StatusOr<std::unique_ptr<RowStream>> Execute(const Query& query) = 0;
};

// What a connector gets besides its config. `stop` (optional, owned by the caller, outliving
// the connector and its streams) is polled while statements run: a cancelled token or a passed
// deadline ends the statement with Cancelled / DeadlineExceeded — within moments, not at the
// next batch (SQLite polls it from a progress handler; an HTTP connector hands it to
// HttpTransport::Send for the request in flight). `trusted` marks a config the
// operator wrote (config files of `wsync run` / `apply`), as opposed to an API client's.
struct ConnectorContext {
  const core::StopToken* stop = nullptr;
  bool trusted = false;
};

// How long an interactive call (verify, discover, preview through the API) may keep the
// warehouse busy, whatever the connection's statement timeout: a client waits on an HTTP thread.
inline constexpr std::chrono::seconds kInteractiveDeadline{30};

}  // namespace wsync::warehouse
