#include "warehouse/sqlite/sqlite_connector.h"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/time.h"
#include "core/utf8.h"
#include "warehouse/batcher.h"
#include "warehouse/columns.h"
#include "warehouse/common_config.h"
#include "warehouse/samples.h"
#include "warehouse/sql_guard.h"
#include "warehouse/sqlite/sqlite_dialect.h"
#include "warehouse/sqlite/sqlite_session.h"
#include "warehouse/type_inference.h"

namespace wsync::warehouse {
namespace {

// Expression columns are typed from at least this many rows, however few samples are asked for.
constexpr int kInferenceRows = 100;
constexpr int64_t kMaxUnixSeconds = INT64_MAX / core::kMicrosPerSecond;

const SqliteDialect kDialect{};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

core::Status Bind(const SqliteSession& session, sqlite3_stmt* stmt,
                  const std::vector<SqlParam>& params) {
  for (size_t i = 0; i < params.size(); ++i) {
    int index = static_cast<int>(i) + 1;
    int rc;
    if (const int64_t* v = std::get_if<int64_t>(&params[i])) {
      rc = sqlite3_bind_int64(stmt, index, *v);
    } else {
      const std::string& s = std::get<std::string>(params[i]);
      rc = sqlite3_bind_text(stmt, index, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    }
    if (rc != SQLITE_OK) return session.Error(rc, "binding a range bound");
  }
  return core::Status::Ok();
}

// The model's columns: names as SQLite reports them for the bare model (the subquery wrap
// renames duplicates to "x:1", which would hide them) and declared types when there are any.
struct Shape {
  std::vector<std::string> names;
  std::vector<std::optional<core::Type>> declared;
};

core::StatusOr<Shape> Describe(SqliteSession* session, const std::string& model, int max_columns) {
  // Preparing runs nothing; the wrap goes first so its errors are the ones users see.
  ASSIGN_OR_RETURN(StmtPtr wrapped, session->Prepare(kDialect.DescribeQuery(model)));
  ASSIGN_OR_RETURN(StmtPtr bare, session->Prepare(model));
  int n = sqlite3_column_count(wrapped.get());
  RETURN_IF_ERROR(CheckColumnCount(static_cast<size_t>(n), max_columns));
  if (sqlite3_column_count(bare.get()) != n) {
    return core::Internal("SQLite reports different columns for the wrapped data model");
  }
  Shape shape;
  for (int i = 0; i < n; ++i) {
    shape.names.push_back(sqlite3_column_name(bare.get(), i));
    shape.declared.push_back(
        SqliteDialect::TypeFromDeclared(sqlite3_column_decltype(wrapped.get(), i)));
  }
  // SQLite matches identifiers case-insensitively, so "id" and "ID" are one column to it.
  RETURN_IF_ERROR(CheckDistinctColumnNames(shape.names, kDialect.FoldsIdentifierCase()));
  return shape;
}

std::string_view ColumnText(sqlite3_stmt* stmt, int i) {
  const unsigned char* p = sqlite3_column_text(stmt, i);
  int n = sqlite3_column_bytes(stmt, i);
  return p == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(p), n);
}

// SQLite's julian-day reals, at the millisecond resolution SQLite itself keeps.
std::optional<int64_t> JulianDayToMicros(double jd) {
  double ms = std::round((jd - 2440587.5) * 86'400'000.0);
  if (!std::isfinite(ms) || std::fabs(ms) > 9.0e15) return std::nullopt;
  return static_cast<int64_t>(ms) * 1000;
}

bool IsDecimalText(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  size_t int_digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++int_digits;
  if (int_digits == 0) return false;
  if (i < s.size() && s[i] == '.') {
    size_t frac_start = ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == frac_start) return false;
  }
  return i == s.size();
}

// Follows the storage class: what a column without a special declared type holds.
core::Value StorageValue(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER:
      return core::Value::Int64(sqlite3_column_int64(stmt, i));
    case SQLITE_FLOAT:
      return core::Value::Double(sqlite3_column_double(stmt, i));
    case SQLITE_TEXT:
      return core::Value::String(std::string(ColumnText(stmt, i)));
    case SQLITE_BLOB: {  // binary, never text: the mapper refuses it (binary_value)
      const void* p = sqlite3_column_blob(stmt, i);
      int n = sqlite3_column_bytes(stmt, i);
      return core::Value::BytesValue(p == nullptr ? std::string()
                                                  : std::string(static_cast<const char*>(p), n));
    }
    default:
      return core::Value::Null();
  }
}

// The type StorageValue gives, without converting: what type inference votes with.
core::Type StorageType(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER:
      return core::Type::kInt64;
    case SQLITE_FLOAT:
      return core::Type::kDouble;
    case SQLITE_TEXT:
      return core::Type::kString;
    case SQLITE_BLOB:
      return core::Type::kBytes;
    default:
      return core::Type::kNull;
  }
}

// Converts by declared type; a value that does not fit keeps its storage form (text stays a
// string) so the mapper can report it against the row.
core::Value ConvertValue(sqlite3_stmt* stmt, int i, std::optional<core::Type> declared) {
  int storage = sqlite3_column_type(stmt, i);
  if (storage == SQLITE_NULL || !declared) return StorageValue(stmt, i);
  switch (*declared) {
    case core::Type::kTimestamp: {
      std::optional<int64_t> micros;
      if (storage == SQLITE_INTEGER) {
        int64_t s = sqlite3_column_int64(stmt, i);
        if (s >= -kMaxUnixSeconds && s <= kMaxUnixSeconds) micros = s * core::kMicrosPerSecond;
      } else if (storage == SQLITE_FLOAT) {
        micros = JulianDayToMicros(sqlite3_column_double(stmt, i));
      } else if (storage == SQLITE_TEXT) {
        micros = core::ParseTimestamp(ColumnText(stmt, i));
      }
      return micros ? core::Value::TimestampValue(*micros) : StorageValue(stmt, i);
    }
    case core::Type::kDate: {
      std::optional<int64_t> days;
      if (storage == SQLITE_INTEGER) {
        days = core::FloorDiv(sqlite3_column_int64(stmt, i), 86'400);
      } else if (storage == SQLITE_FLOAT) {
        if (auto micros = JulianDayToMicros(sqlite3_column_double(stmt, i))) {
          days = core::FloorDiv(*micros, core::kMicrosPerDay);
        }
      } else if (storage == SQLITE_TEXT) {
        std::string_view text = ColumnText(stmt, i);
        if (auto d = core::ParseDate(text)) {
          days = *d;
        } else if (auto micros = core::ParseTimestamp(text)) {
          days = core::FloorDiv(*micros, core::kMicrosPerDay);  // the UTC day, as SQL date()
        }
      }
      if (days && *days >= INT32_MIN && *days <= INT32_MAX) {
        return core::Value::DateValue(static_cast<int32_t>(*days));
      }
      return StorageValue(stmt, i);
    }
    case core::Type::kBool: {
      if (storage == SQLITE_INTEGER) {
        int64_t v = sqlite3_column_int64(stmt, i);
        if (v == 0 || v == 1) return core::Value::Bool(v == 1);
      } else if (storage == SQLITE_TEXT) {
        std::string text = Lower(ColumnText(stmt, i));
        if (text == "true" || text == "false") return core::Value::Bool(text == "true");
      }
      return StorageValue(stmt, i);
    }
    case core::Type::kDecimal: {
      if (storage == SQLITE_TEXT) {
        std::string_view text = ColumnText(stmt, i);
        if (IsDecimalText(text)) {
          if (text.front() == '+') text.remove_prefix(1);
          return core::Value::Dec(std::string(text));
        }
      }
      return StorageValue(stmt, i);
    }
    default:
      return StorageValue(stmt, i);
  }
}

core::Row ReadRow(sqlite3_stmt* stmt, const std::vector<std::optional<core::Type>>& declared) {
  core::Row row;
  row.reserve(declared.size());
  for (size_t i = 0; i < declared.size(); ++i) {
    row.push_back(ConvertValue(stmt, static_cast<int>(i), declared[i]));
  }
  return row;
}

class SqliteRowStream : public RowStream {
 public:
  SqliteRowStream(std::unique_ptr<SqliteSession> session, StmtPtr stmt, Shape shape,
                  const Query& query)
      : session_(std::move(session)),
        stmt_(std::move(stmt)),
        shape_(std::move(shape)),
        batcher_(query) {}

  // Reads the first batch so expression columns get their inferred types before anyone asks.
  core::Status Prime() {
    core::RowBatch first;
    RETURN_IF_ERROR(ReadBatch(&first));
    TypeInference inference(shape_.names.size());
    for (const core::Row& row : first.rows) inference.Add(row);
    columns_ = std::make_shared<const std::vector<core::Column>>(
        inference.Columns(shape_.names, shape_.declared));
    first.columns = columns_;
    pending_ = std::move(first);
    return core::Status::Ok();
  }

  const std::vector<core::Column>& columns() const override { return *columns_; }

  core::StatusOr<bool> Next(core::RowBatch* batch) override {
    if (pending_) {
      *batch = std::move(*pending_);
      pending_.reset();
      return !batch->rows.empty();
    }
    batch->columns = columns_;
    RETURN_IF_ERROR(ReadBatch(batch));
    return !batch->rows.empty();
  }

 private:
  core::Status ReadBatch(core::RowBatch* batch) {
    // Each batch is one fetch and gets the whole statement timeout, as a cursor's FETCH would.
    session_->StartStatement();
    batcher_.Start(batch);
    while (!done_ && !batcher_.Full(*batch)) {
      int rc = sqlite3_step(stmt_.get());
      if (rc == SQLITE_ROW) {
        batcher_.Add(ReadRow(stmt_.get(), shape_.declared), batch);
        continue;
      }
      done_ = true;
      if (rc != SQLITE_DONE) {
        batch->rows.clear();
        return session_->Error(rc, "SQLite failed while reading the data model");
      }
    }
    return core::Status::Ok();
  }

  // Declared before stmt_ so the statement is finalised before the connection closes.
  std::unique_ptr<SqliteSession> session_;
  StmtPtr stmt_;
  Shape shape_;
  Batcher batcher_;
  std::shared_ptr<const std::vector<core::Column>> columns_;
  std::optional<core::RowBatch> pending_;
  bool done_ = false;
};

class SqliteConnector : public Connector {
 public:
  SqliteConnector(std::string path, int max_columns, std::chrono::seconds statement_timeout,
                  SqliteOptions options, ConnectorContext context)
      : path_(std::move(path)),
        max_columns_(max_columns),
        statement_timeout_(statement_timeout),
        options_(std::move(options)),
        context_(context) {}

  core::Status Verify() override {
    ASSIGN_OR_RETURN(auto session, Open());
    ASSIGN_OR_RETURN(StmtPtr stmt, session->Prepare("SELECT 1"));
    int rc = sqlite3_step(stmt.get());
    if (rc != SQLITE_ROW) return session->Error(rc, "verifying the connection");
    // A file that is not a database only fails once a page is read.
    ASSIGN_OR_RETURN(StmtPtr schema, session->Prepare("SELECT count(*) FROM sqlite_schema"));
    rc = sqlite3_step(schema.get());
    if (rc != SQLITE_ROW) return session->Error(rc, "verifying the connection");
    return core::Status::Ok();
  }

  core::StatusOr<Discovery> Discover(std::string_view model_sql, int sample_rows) override {
    ASSIGN_OR_RETURN(std::string sql, CheckReadOnlySql(model_sql, kDialect.guard()));
    ASSIGN_OR_RETURN(auto session, Open());
    ASSIGN_OR_RETURN(Shape shape, Describe(session.get(), sql, max_columns_));
    sample_rows = std::max(sample_rows, 0);
    std::vector<SqlParam> params;
    ASSIGN_OR_RETURN(
        std::string text,
        kDialect.ExtractQuery(sql, {}, std::max(sample_rows, kInferenceRows), &params));
    ASSIGN_OR_RETURN(StmtPtr stmt, session->Prepare(text));
    RETURN_IF_ERROR(Bind(*session, stmt.get(), params));
    // Types come from every row read; values are kept only for the samples asked for, each
    // cut to kSampleValueBytes and all of them within kSampleBytesBudget.
    TypeInference inference(shape.names.size());
    SampleKeeper samples(static_cast<size_t>(sample_rows));
    for (;;) {
      int rc = sqlite3_step(stmt.get());
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        return session->Error(rc, "SQLite failed while reading the data model");
      }
      inference.AddRow([&](size_t i) { return StorageType(stmt.get(), static_cast<int>(i)); });
      if (!samples.wants_more()) continue;
      samples.Offer(ReadRow(stmt.get(), shape.declared));
    }
    Discovery d;
    d.columns = inference.Columns(shape.names, shape.declared);
    for (const core::Column& c : d.columns) {
      if (c.type == core::Type::kBytes) {
        d.warnings.push_back("column '" + core::ToValidUtf8(c.name) +
                             "' holds binary data (BLOB): the default mapping skips it and "
                             "mapping it is a row error (binary_value); select hex() of it to "
                             "sync it as text");
      }
      if (c.inferred) d.warnings.push_back(InferredTypeWarning(c, inference.rows()));
    }
    if (std::optional<std::string> budget = samples.BudgetWarning()) {
      d.warnings.push_back(std::move(*budget));
    }
    d.sample_rows = samples.Take();
    return d;
  }

  core::StatusOr<core::Value> MaxIterator(std::string_view model_sql, const Range& range) override {
    ASSIGN_OR_RETURN(std::string sql, CheckReadOnlySql(model_sql, kDialect.guard()));
    ASSIGN_OR_RETURN(auto session, Open());
    ASSIGN_OR_RETURN(Shape shape, Describe(session.get(), sql, max_columns_));
    RETURN_IF_ERROR(CheckRangeColumns(shape.names, {range}));
    std::vector<SqlParam> params;
    ASSIGN_OR_RETURN(std::string query, kDialect.MaxIteratorQuery(sql, range, &params));
    ASSIGN_OR_RETURN(StmtPtr stmt, session->Prepare(query));
    RETURN_IF_ERROR(Bind(*session, stmt.get(), params));
    int rc = sqlite3_step(stmt.get());
    if (rc != SQLITE_ROW) {
      return session->Error(rc, "SQLite failed while reading the data model");
    }
    if (sqlite3_column_type(stmt.get(), 0) == SQLITE_NULL) return core::Value::Null();
    switch (range.type) {
      case IteratorType::kTimestamp: {
        std::optional<int64_t> micros = core::ParseTimestamp(ColumnText(stmt.get(), 0));
        if (!micros) break;
        return core::Value::TimestampValue(*micros);
      }
      case IteratorType::kDate: {
        std::optional<int32_t> days = core::ParseDate(ColumnText(stmt.get(), 0));
        if (!days) break;
        return core::Value::DateValue(*days);
      }
      case IteratorType::kUnixMs:
      case IteratorType::kUnixS:
      case IteratorType::kInteger:
        return core::Value::Int64(sqlite3_column_int64(stmt.get(), 0));
    }
    return core::Internal("SQLite returned an unreadable maximum for iterator '" + range.column +
                          "': " + core::QuoteForMessage(ColumnText(stmt.get(), 0)));
  }

  core::StatusOr<std::unique_ptr<RowStream>> Execute(const Query& query) override {
    ASSIGN_OR_RETURN(std::string sql, CheckReadOnlySql(query.model_sql, kDialect.guard()));
    ASSIGN_OR_RETURN(auto session, Open());
    ASSIGN_OR_RETURN(Shape shape, Describe(session.get(), sql, max_columns_));
    RETURN_IF_ERROR(CheckRangeColumns(shape.names, query.ranges));
    std::vector<SqlParam> params;
    ASSIGN_OR_RETURN(std::string text,
                     kDialect.ExtractQuery(sql, query.ranges, query.limit, &params));
    ASSIGN_OR_RETURN(StmtPtr stmt, session->Prepare(text));
    RETURN_IF_ERROR(Bind(*session, stmt.get(), params));
    auto stream = std::make_unique<SqliteRowStream>(std::move(session), std::move(stmt),
                                                    std::move(shape), query);
    RETURN_IF_ERROR(stream->Prime());
    return std::unique_ptr<RowStream>(std::move(stream));
  }

 private:
  core::StatusOr<std::unique_ptr<SqliteSession>> Open() const {
    return SqliteSession::Open(path_, options_, context_, statement_timeout_);
  }

  std::string path_;
  int max_columns_;
  std::chrono::seconds statement_timeout_;
  SqliteOptions options_;
  ConnectorContext context_;
};

}  // namespace

core::StatusOr<std::unique_ptr<Connector>> NewSqliteConnector(const nlohmann::json& config,
                                                              const ConnectorContext& context,
                                                              const SqliteOptions& options) {
  if (!config.is_object()) return core::Status::InvalidField("config", "must be an object");
  auto path = config.find("path");
  if (path == config.end() || !path->is_string() || path->get_ref<const std::string&>().empty()) {
    return core::Status::InvalidField("config.path",
                                      "the path of the SQLite database file is required");
  }
  ASSIGN_OR_RETURN(CommonConfig common, ReadCommonConfig(config));
  return std::unique_ptr<Connector>(std::make_unique<SqliteConnector>(
      path->get<std::string>(), common.max_columns, common.statement_timeout, options, context));
}

ProviderInfo SqliteProviderInfo() {
  ProviderInfo info;
  info.name = "sqlite";
  info.dialect = "sqlite";
  info.config = {
      {.name = "path", .type = ConfigType::kString, .required = true},
      {.name = "max_columns", .type = ConfigType::kInteger},
      {.name = "statement_timeout_s", .type = ConfigType::kInteger},
  };
  info.capabilities = {.max_iterator = true, .streaming = true, .billed = false, .http = false};
  return info;
}

void RegisterSqlite(Registry* registry, SqliteOptions options) {
  // Embedded: the connector needs neither the clock nor the HTTP transport.
  registry->Register(
      SqliteProviderInfo(),
      [options = std::move(options)](const nlohmann::json& config, const ConnectorContext& context,
                                     const ConnectorDeps&) {
        return NewSqliteConnector(config, context, options);
      });
}

}  // namespace wsync::warehouse
