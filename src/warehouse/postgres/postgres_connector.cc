#include "warehouse/postgres/postgres_connector.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/time.h"
#include "core/utf8.h"
#include "warehouse/batcher.h"
#include "warehouse/columns.h"
#include "warehouse/common_config.h"
#include "warehouse/postgres/pg_session.h"
#include "warehouse/postgres/pg_values.h"
#include "warehouse/postgres/postgres_dialect.h"
#include "warehouse/samples.h"
#include "warehouse/sql_guard.h"

namespace wsync::warehouse {
namespace {

constexpr std::string_view kCursor = "wsync_rows";
// A FETCH asks for at most this many rows: measured on PostgreSQL 15, FETCHes of 500 to 1,000
// rows read a table two to three times faster than FETCHes of 5,000 or 50,000 (libpq builds
// smaller results), and round trips stay rare.
constexpr size_t kMaxFetchRows = 1'000;

// The model's columns as the server reports them for the LIMIT 0 wrap.
struct Shape {
  std::vector<std::string> names;
  std::vector<PgOid> oids;
  std::vector<PgColumnReader> readers;
};

core::StatusOr<Shape> Describe(PgSession* session, const PostgresDialect& dialect,
                               const std::string& model, int max_columns) {
  ASSIGN_OR_RETURN(PgResultPtr r,
                   session->Exec(dialect.DescribeQuery(model), "describing the data model"));
  if (r == nullptr || PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
    return core::InvalidArgument("the data model returns no rows to read (is it a SELECT?)");
  }
  int n = PQnfields(r.get());
  RETURN_IF_ERROR(CheckColumnCount(static_cast<size_t>(n), max_columns));
  Shape shape;
  for (int i = 0; i < n; ++i) {
    shape.names.push_back(PQfname(r.get(), i));
    shape.oids.push_back(PQftype(r.get(), i));
    shape.readers.push_back(ReaderForOid(PQftype(r.get(), i)));
  }
  RETURN_IF_ERROR(CheckDistinctColumnNames(shape.names, dialect.FoldsIdentifierCase()));
  return shape;
}

std::vector<core::Column> Columns(const Shape& shape) {
  std::vector<core::Column> out;
  for (size_t i = 0; i < shape.names.size(); ++i) {
    out.push_back({.name = shape.names[i], .type = TypeForOid(shape.oids[i]), .inferred = false});
  }
  return out;
}

// Row `row` of `r` written over `*out` (`shape`'s column count of values).
void ReadRowInto(const PGresult* r, int row, const Shape& shape, core::Row* out) {
  for (size_t i = 0; i < shape.readers.size(); ++i) {
    const int col = static_cast<int>(i);
    core::Value& cell = (*out)[i];
    if (PQgetisnull(r, row, col)) {
      cell.SetNull();
      continue;
    }
    ReadPgValueInto(
        shape.readers[i],
        std::string_view(PQgetvalue(r, row, col), static_cast<size_t>(PQgetlength(r, row, col))),
        &cell);
  }
}

core::Row ReadRow(const PGresult* r, int row, const Shape& shape) {
  core::Row out(shape.readers.size());
  ReadRowInto(r, row, shape, &out);
  return out;
}

class PgRowStream : public RowStream {
 public:
  PgRowStream(std::unique_ptr<PgSession> session, Shape shape, const Query& query)
      : session_(std::move(session)),
        shape_(std::move(shape)),
        batcher_(query),
        columns_(std::make_shared<const std::vector<core::Column>>(Columns(shape_))),
        fetch_rows_(std::clamp<size_t>(query.batch_rows, 1, kMaxFetchRows)),
        fetch_("FETCH FORWARD " + std::to_string(fetch_rows_) + " FROM " + std::string(kCursor)) {}

  const std::vector<core::Column>& columns() const override { return *columns_; }

  core::StatusOr<bool> Next(core::RowBatch* batch) override {
    batch->columns = columns_;
    BatchFiller filler(batcher_, shape_.readers.size(), batch);
    while (!done_ && !filler.Full()) {
      if (result_ == nullptr || row_ >= PQntuples(result_.get())) {
        core::Status s = NextResult();
        if (!s.ok()) {
          batch->rows.clear();
          done_ = true;
          session_.reset();
          return s;
        }
        if (done_) break;
      }
      ReadRowInto(result_.get(), row_++, shape_, &filler.Next());
      filler.Added();
    }
    return filler.Finish() > 0;
  }

 private:
  // Replaces the used-up result by the next FETCH's and, when that one was full, sends the
  // FETCH after it at once: the server then reads ahead while this thread converts.
  core::Status NextResult() {
    result_.reset();
    if (!in_flight_) RETURN_IF_ERROR(session_->Send(fetch_, "reading the data model"));
    in_flight_ = false;
    ASSIGN_OR_RETURN(result_, session_->Receive("reading the data model"));
    row_ = 0;
    const int n = result_ ? PQntuples(result_.get()) : 0;
    if (n == 0) {
      done_ = true;
      result_.reset();
      session_.reset();  // ends the transaction and frees the connection at once
      return core::Status::Ok();
    }
    if (static_cast<size_t>(n) == fetch_rows_) {
      RETURN_IF_ERROR(session_->Send(fetch_, "reading the data model"));
      in_flight_ = true;
    }
    return core::Status::Ok();
  }

  std::unique_ptr<PgSession> session_;
  Shape shape_;
  Batcher batcher_;
  std::shared_ptr<const std::vector<core::Column>> columns_;
  size_t fetch_rows_;
  std::string fetch_;
  PgResultPtr result_;
  int row_ = 0;
  bool in_flight_ = false;  // a FETCH was sent and its result not yet received
  bool done_ = false;
};

// One field of a COPY text line that holds a backslash, without its escapes (\\, \t, \n, \r,
// \b, \f, \v, octal \NNN, hex \xHH), written to `scratch`.
std::string_view Unescape(std::string_view field, std::string* scratch) {
  scratch->clear();
  for (size_t i = 0; i < field.size(); ++i) {
    char c = field[i];
    if (c != '\\' || i + 1 == field.size()) {
      scratch->push_back(c);
      continue;
    }
    char e = field[++i];
    switch (e) {
      case 'b':
        scratch->push_back('\b');
        break;
      case 'f':
        scratch->push_back('\f');
        break;
      case 'n':
        scratch->push_back('\n');
        break;
      case 'r':
        scratch->push_back('\r');
        break;
      case 't':
        scratch->push_back('\t');
        break;
      case 'v':
        scratch->push_back('\v');
        break;
      case 'x': {
        int v = 0;
        for (int digits = 0; digits < 2 && i + 1 < field.size() &&
                             std::isxdigit(static_cast<unsigned char>(field[i + 1]));
             ++digits) {
          char h = field[++i];
          v = v * 16 + (h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
        }
        scratch->push_back(static_cast<char>(v));
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          int v = e - '0';
          for (int digits = 1;
               digits < 3 && i + 1 < field.size() && field[i + 1] >= '0' && field[i + 1] <= '7';
               ++digits) {
            v = v * 8 + (field[++i] - '0');
          }
          scratch->push_back(static_cast<char>(v));
        } else {
          scratch->push_back(e);  // "\\" and any other escaped character stand for themselves
        }
    }
  }
  return *scratch;
}

// One line of COPY text output written over `*row`: fields end at tabs, "\\N" is NULL, and only
// the fields of a line that has a backslash at all are searched for escapes to undo.
void ReadCopyLine(std::string_view line, const std::vector<PgColumnReader>& readers, core::Row* row,
                  std::string* scratch) {
  const bool has_escapes = line.find('\\') != std::string_view::npos;
  const char* p = line.data();
  const char* const end = p + line.size();
  for (size_t i = 0; i < readers.size(); ++i) {
    const char* tab = static_cast<const char*>(std::memchr(p, '\t', static_cast<size_t>(end - p)));
    const char* const stop = tab == nullptr ? end : tab;
    const std::string_view field(p, static_cast<size_t>(stop - p));
    p = tab == nullptr ? end : tab + 1;
    core::Value& cell = (*row)[i];
    if (field == "\\N") {
      cell.SetNull();
    } else if (has_escapes && field.find('\\') != std::string_view::npos) {
      ReadPgValueInto(readers[i], Unescape(field, scratch), &cell);
    } else {
      ReadPgValueInto(readers[i], field, &cell);
    }
  }
}

// Extraction through COPY (<model>) TO STDOUT: the server streams every row at once, with no
// FETCH round trips; memory stays bounded because libpq hands over one line at a time.
// PostgreSQL only (Redshift has no COPY TO STDOUT).
class PgCopyStream : public RowStream {
 public:
  PgCopyStream(std::unique_ptr<PgSession> session, Shape shape, const Query& query)
      : session_(std::move(session)),
        shape_(std::move(shape)),
        batcher_(query),
        columns_(std::make_shared<const std::vector<core::Column>>(Columns(shape_))) {}

  const std::vector<core::Column>& columns() const override { return *columns_; }

  core::StatusOr<bool> Next(core::RowBatch* batch) override {
    batch->columns = columns_;
    BatchFiller filler(batcher_, shape_.readers.size(), batch);
    std::string_view line;
    while (!done_ && !filler.Full()) {
      core::StatusOr<bool> more = session_->CopyRow(&line, "reading the data model");
      if (!more.ok() || !*more) {
        done_ = true;
        session_.reset();
        if (!more.ok()) {
          batch->rows.clear();
          return more.status();
        }
        break;
      }
      ReadCopyLine(line, shape_.readers, &filler.Next(), &scratch_);
      filler.Added();
    }
    return filler.Finish() > 0;
  }

 private:
  std::unique_ptr<PgSession> session_;
  Shape shape_;
  Batcher batcher_;
  std::shared_ptr<const std::vector<core::Column>> columns_;
  std::string scratch_;  // a field with its escapes undone
  bool done_ = false;
};

class PostgresConnector : public Connector {
 public:
  PostgresConnector(PgConfig config, int max_columns, ConnectorContext context,
                    const NetworkPolicy* policy, PgExtraction extraction)
      : config_(std::move(config)),
        dialect_(config_.redshift ? PostgresDialect::Flavor::kRedshift
                                  : PostgresDialect::Flavor::kPostgres),
        max_columns_(max_columns),
        context_(context),
        policy_(policy),
        extraction_(extraction) {}

  core::Status Verify() override {
    ASSIGN_OR_RETURN(auto session, Open());
    return session->Exec("SELECT 1", "verifying the connection").status();
  }

  core::StatusOr<Discovery> Discover(std::string_view model_sql, int sample_rows) override {
    ASSIGN_OR_RETURN(std::string sql, CheckReadOnlySql(model_sql, dialect_.guard()));
    ASSIGN_OR_RETURN(auto session, Open());
    ASSIGN_OR_RETURN(Shape shape, Describe(session.get(), dialect_, sql, max_columns_));
    sample_rows = std::max(sample_rows, 0);
    Discovery d;
    d.columns = Columns(shape);
    if (sample_rows > 0) {
      ASSIGN_OR_RETURN(std::string text, dialect_.ExtractStatement(sql, {}, sample_rows));
      ASSIGN_OR_RETURN(PgResultPtr r, session->Exec(text, "reading sample rows"));
      SampleKeeper samples(static_cast<size_t>(sample_rows));
      const int n = r ? PQntuples(r.get()) : 0;
      for (int i = 0; i < n && samples.wants_more(); ++i) samples.Offer(ReadRow(r.get(), i, shape));
      if (std::optional<std::string> budget = samples.BudgetWarning()) {
        d.warnings.push_back(std::move(*budget));
      }
      d.sample_rows = samples.Take();
    }
    for (const core::Column& c : d.columns) {
      if (c.type == core::Type::kBytes) {
        d.warnings.push_back("column '" + core::ToValidUtf8(c.name) +
                             "' holds binary data (bytea): the default mapping skips it and "
                             "mapping it is a row error (binary_value); select encode(" +
                             "column, 'hex') to sync it as text");
      }
    }
    return d;
  }

  core::StatusOr<core::Value> MaxIterator(std::string_view model_sql, const Range& range) override {
    ASSIGN_OR_RETURN(std::string sql, CheckReadOnlySql(model_sql, dialect_.guard()));
    ASSIGN_OR_RETURN(auto session, Open());
    ASSIGN_OR_RETURN(Shape shape, Describe(session.get(), dialect_, sql, max_columns_));
    RETURN_IF_ERROR(CheckRangeColumns(shape.names, {range}));
    std::vector<SqlParam> params;
    ASSIGN_OR_RETURN(std::string query, dialect_.MaxIteratorQuery(sql, range, &params));
    ASSIGN_OR_RETURN(PgResultPtr r, session->Exec(query, "finding the iterator's upper bound"));
    if (r == nullptr || PQntuples(r.get()) != 1 || PQnfields(r.get()) != 1) {
      return core::Internal("the warehouse returned no maximum for iterator '" + range.column +
                            "'");
    }
    if (PQgetisnull(r.get(), 0, 0)) return core::Value::Null();
    const std::string_view text(PQgetvalue(r.get(), 0, 0),
                                static_cast<size_t>(PQgetlength(r.get(), 0, 0)));
    switch (range.type) {
      case IteratorType::kTimestamp: {
        int64_t micros;
        if (!ParsePgTimestamp(text, &micros)) break;
        return core::Value::TimestampValue(micros);
      }
      case IteratorType::kDate: {
        std::optional<int32_t> days = core::ParseDate(text);
        if (!days) break;
        return core::Value::DateValue(*days);
      }
      case IteratorType::kUnixMs:
      case IteratorType::kUnixS:
      case IteratorType::kInteger: {
        core::Value v = ReadPgValue({.kind = PgKind::kInt}, text);
        if (v.type() != core::Type::kInt64) break;
        return v;
      }
    }
    return core::InvalidArgument("iterator '" + range.column + "' has a largest value (" +
                                 core::QuoteForMessage(text) +
                                 ") outside what wsync holds (years 1 to 9999)");
  }

  core::StatusOr<std::unique_ptr<RowStream>> Execute(const Query& query) override {
    ASSIGN_OR_RETURN(std::string sql, CheckReadOnlySql(query.model_sql, dialect_.guard()));
    ASSIGN_OR_RETURN(auto session, Open());
    ASSIGN_OR_RETURN(Shape shape, Describe(session.get(), dialect_, sql, max_columns_));
    RETURN_IF_ERROR(CheckRangeColumns(shape.names, query.ranges));
    ASSIGN_OR_RETURN(std::string text, dialect_.ExtractStatement(sql, query.ranges, query.limit));
    if (extraction_ == PgExtraction::kCopy && !config_.redshift) {
      RETURN_IF_ERROR(session->StartCopy(text, "starting the extraction"));
      return std::unique_ptr<RowStream>(
          std::make_unique<PgCopyStream>(std::move(session), std::move(shape), query));
    }
    RETURN_IF_ERROR(
        session->Exec(dialect_.DeclareCursor(kCursor, text), "starting the extraction").status());
    return std::unique_ptr<RowStream>(
        std::make_unique<PgRowStream>(std::move(session), std::move(shape), query));
  }

 private:
  core::StatusOr<std::unique_ptr<PgSession>> Open() const {
    return PgSession::Open(config_, context_, policy_);
  }

  PgConfig config_;
  PostgresDialect dialect_;
  int max_columns_;
  ConnectorContext context_;
  const NetworkPolicy* policy_;
  PgExtraction extraction_;
};

core::StatusOr<std::string> RequiredString(const nlohmann::json& config, const char* key,
                                           std::string_view what) {
  auto it = config.find(key);
  if (it == config.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return core::Status::InvalidField(std::string("config.") + key,
                                      std::string(what) + " is required");
  }
  return it->get<std::string>();
}

}  // namespace

core::StatusOr<std::unique_ptr<Connector>> NewPostgresConnector(const nlohmann::json& config,
                                                                const ConnectorContext& context,
                                                                const NetworkPolicy* policy,
                                                                bool redshift,
                                                                PgExtraction extraction) {
  if (!config.is_object()) return core::Status::InvalidField("config", "must be an object");
  PgConfig c;
  c.redshift = redshift;
  ASSIGN_OR_RETURN(c.host, RequiredString(config, "host", "the warehouse's host name or address"));
  ASSIGN_OR_RETURN(c.database, RequiredString(config, "database", "the database name"));
  ASSIGN_OR_RETURN(c.user, RequiredString(config, "user", "the user name"));
  c.port = redshift ? 5439 : 5432;
  if (auto it = config.find("port"); it != config.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > 65535) {
      return core::Status::InvalidField("config.port", "must be an integer from 1 to 65535");
    }
    c.port = it->get<int>();
  }
  if (auto it = config.find("password"); it != config.end() && !it->is_null()) {
    if (!it->is_string()) return core::Status::InvalidField("config.password", "must be a string");
    c.password = it->get<std::string>();
  }
  if (auto it = config.find("sslmode"); it != config.end() && !it->is_null()) {
    static const std::vector<std::string> kModes = {"disable", "allow",     "prefer",
                                                    "require", "verify-ca", "verify-full"};
    if (!it->is_string() ||
        std::find(kModes.begin(), kModes.end(), it->get<std::string>()) == kModes.end()) {
      return core::Status::InvalidField(
          "config.sslmode",
          "must be one of disable, allow, prefer, require, verify-ca, verify-full");
    }
    c.sslmode = it->get<std::string>();
  }
  ASSIGN_OR_RETURN(CommonConfig common, ReadCommonConfig(config));
  c.statement_timeout = common.statement_timeout;
  return std::unique_ptr<Connector>(std::make_unique<PostgresConnector>(
      std::move(c), common.max_columns, context, policy, extraction));
}

ConnectorFactory PostgresConnectorFactory(bool redshift) {
  return [redshift](const nlohmann::json& config, const ConnectorContext& context,
                    const ConnectorDeps& deps) {
    return NewPostgresConnector(config, context, deps.network, redshift);
  };
}

}  // namespace wsync::warehouse
