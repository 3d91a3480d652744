#include "warehouse/snowflake/snowflake_connector.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/column_lookup.h"
#include "core/utf8.h"
#include "warehouse/batcher.h"
#include "warehouse/columns.h"
#include "warehouse/samples.h"
#include "warehouse/snowflake/snowflake_dialect.h"
#include "warehouse/sql_guard.h"
#include "warehouse/warehouse_error.h"

namespace wsync::warehouse {
namespace {

std::vector<std::string> Names(const std::vector<SnowflakeColumn>& columns) {
  std::vector<std::string> names;
  names.reserve(columns.size());
  for (const SnowflakeColumn& c : columns) names.push_back(c.name);
  return names;
}

std::vector<core::Column> Columns(const std::vector<SnowflakeColumn>& columns) {
  std::vector<core::Column> out;
  for (const SnowflakeColumn& c : columns) {
    out.push_back({.name = c.name, .type = SnowflakeColumnType(c), .inferred = false});
  }
  return out;
}

class SnowflakeRowStream : public RowStream {
 public:
  SnowflakeRowStream(std::unique_ptr<SnowflakeClient> client, std::unique_ptr<ResultPage> first,
                     const Query& query)
      : client_(std::move(client)),
        meta_(first->meta()),
        handle_(first->info().handle),
        page_(std::move(first)),
        batcher_(query),
        columns_(std::make_shared<const std::vector<core::Column>>(Columns(meta_.columns))) {}

  const std::vector<core::Column>& columns() const override { return *columns_; }

  core::StatusOr<bool> Next(core::RowBatch* batch) override {
    batch->columns = columns_;
    batcher_.Start(batch);
    core::Row row;
    while (page_ != nullptr && !batcher_.Full(*batch)) {
      core::StatusOr<bool> more = page_->NextRow(meta_.columns, &row);
      if (more.ok() && *more) {
        batcher_.Add(std::move(row), batch);
        continue;
      }
      core::Status failure = more.status();
      if (failure.ok()) {
        page_.reset();  // frees the used-up partition before the next one arrives
        if (next_partition_ >= meta_.partition_rows.size()) break;
        const size_t i = next_partition_++;
        core::StatusOr<std::unique_ptr<ResultPage>> next =
            client_->Partition(handle_, i, meta_.partition_bytes[i]);
        if (next.ok()) {
          page_ = std::move(*next);
          continue;
        }
        failure = next.status();
      }
      page_.reset();
      batch->rows.clear();
      return failure;
    }
    return !batch->rows.empty();
  }

 private:
  std::unique_ptr<SnowflakeClient> client_;
  ResultMeta meta_;
  std::string handle_;
  std::unique_ptr<ResultPage> page_;
  size_t next_partition_ = 1;
  Batcher batcher_;
  std::shared_ptr<const std::vector<core::Column>> columns_;
};

class SnowflakeConnector : public Connector {
 public:
  SnowflakeConnector(SnowflakeConfig config, std::shared_ptr<const SnowflakeKeyPair> keys,
                     ConnectorContext context, const ConnectorDeps& deps, const RetryEnv* retry_env,
                     SnowflakePolling polling)
      : config_(std::move(config)),
        keys_(std::move(keys)),
        context_(context),
        deps_(deps),
        retry_env_(retry_env),
        polling_(polling) {}

  core::Status Verify() override {
    auto client = NewClient();
    ASSIGN_OR_RETURN(std::unique_ptr<ResultPage> page,
                     client->Run("SELECT CURRENT_WAREHOUSE() AS W, CURRENT_DATABASE() AS D, "
                                 "CURRENT_SCHEMA() AS S, CURRENT_ROLE() AS R",
                                 "verifying the connection", false));
    core::Row row;
    ASSIGN_OR_RETURN(bool got, page->NextRow(page->meta().columns, &row));
    if (!got || row.size() != 4) {
      return core::Internal("Snowflake answered the verification query with no row");
    }
    const std::string role =
        config_.role.empty() ? "the user's default role" : "role '" + config_.role + "'";
    struct Check {
      const std::string& wanted;
      const char* key;
      const char* what;
      std::string_view reason;
    };
    const Check checks[] = {{config_.warehouse, "warehouse", "WAREHOUSE", kReasonWarehouseNotFound},
                            {config_.database, "database", "DATABASE", kReasonDatabaseNotFound},
                            {config_.schema, "schema", "SCHEMA", kReasonSchemaNotFound}};
    for (size_t i = 0; i < 3; ++i) {
      const Check& c = checks[i];
      if (c.wanted.empty() || !row[i].is_null()) continue;
      return WarehouseError(core::StatusCode::kNotFound, c.reason,
                            std::string(c.key) + " '" + c.wanted + "' does not exist or " + role +
                                " may not use it: check config." + c.key + " and GRANT USAGE ON " +
                                c.what + " to the role");
    }
    return core::Status::Ok();
  }

  core::StatusOr<Discovery> Discover(std::string_view model_sql, int sample_rows) override {
    ASSIGN_OR_RETURN(std::string sql, CheckReadOnlySql(model_sql, dialect_.guard()));
    sample_rows = std::max(sample_rows, 0);
    auto client = NewClient();
    std::unique_ptr<ResultPage> page;
    if (sample_rows == 0) {
      ASSIGN_OR_RETURN(page,
                       client->Run(dialect_.DescribeQuery(sql), "describing the data model", true));
    } else {
      ASSIGN_OR_RETURN(std::string text, dialect_.ExtractStatement(sql, {}, sample_rows));
      ASSIGN_OR_RETURN(page, client->Run(text, "reading sample rows", true));
    }
    const std::vector<SnowflakeColumn>& columns = page->meta().columns;
    RETURN_IF_ERROR(CheckShape(columns));
    Discovery d;
    d.columns = Columns(columns);
    SampleKeeper samples(static_cast<size_t>(sample_rows));
    core::Row row;
    while (samples.wants_more()) {
      ASSIGN_OR_RETURN(bool more, page->NextRow(columns, &row));
      if (!more) break;
      samples.Offer(std::move(row));
    }
    if (std::optional<std::string> budget = samples.BudgetWarning()) {
      d.warnings.push_back(std::move(*budget));
    }
    d.sample_rows = samples.Take();
    for (const core::Column& c : d.columns) {
      if (c.type == core::Type::kBytes) {
        d.warnings.push_back("column '" + core::ToValidUtf8(c.name) +
                             "' holds binary data: the default mapping skips it and mapping it "
                             "is a row error (binary_value); select HEX_ENCODE(column) to sync "
                             "it as text");
      }
    }
    return d;
  }

  core::StatusOr<core::Value> MaxIterator(std::string_view model_sql, const Range& range) override {
    ASSIGN_OR_RETURN(std::string sql, CheckReadOnlySql(model_sql, dialect_.guard()));
    auto client = NewClient();
    ASSIGN_OR_RETURN(std::vector<Range> ranges, ResolveRanges(client.get(), sql, {range}));
    std::vector<SqlParam> params;
    ASSIGN_OR_RETURN(std::string text, dialect_.MaxIteratorQuery(sql, ranges[0], &params));
    ASSIGN_OR_RETURN(std::unique_ptr<ResultPage> page,
                     client->Run(text, "finding the iterator's upper bound", true));
    core::Row row;
    ASSIGN_OR_RETURN(bool got, page->NextRow(page->meta().columns, &row));
    if (!got || row.size() != 1) {
      return core::Internal("Snowflake returned no maximum for iterator '" + range.column + "'");
    }
    const core::Value& v = row[0];
    if (v.is_null()) return core::Value::Null();
    const core::Type wanted = range.type == IteratorType::kTimestamp ? core::Type::kTimestamp
                              : range.type == IteratorType::kDate    ? core::Type::kDate
                                                                     : core::Type::kInt64;
    if (v.type() == wanted) return v;
    return core::InvalidArgument("iterator '" + range.column + "' has a largest value (" +
                                 core::QuoteForMessage(v.ToText()) +
                                 ") outside what wsync holds as a " +
                                 std::string(IteratorTypeName(range.type)));
  }

  core::StatusOr<std::unique_ptr<RowStream>> Execute(const Query& query) override {
    ASSIGN_OR_RETURN(std::string sql, CheckReadOnlySql(query.model_sql, dialect_.guard()));
    auto client = NewClient();
    ASSIGN_OR_RETURN(std::vector<Range> ranges, ResolveRanges(client.get(), sql, query.ranges));
    ASSIGN_OR_RETURN(std::string text, dialect_.ExtractStatement(sql, ranges, query.limit));
    ASSIGN_OR_RETURN(std::unique_ptr<ResultPage> page,
                     client->Run(text, "reading the data model", true));
    RETURN_IF_ERROR(CheckShape(page->meta().columns));
    return std::unique_ptr<RowStream>(
        std::make_unique<SnowflakeRowStream>(std::move(client), std::move(page), query));
  }

 private:
  std::unique_ptr<SnowflakeClient> NewClient() const {
    return std::make_unique<SnowflakeClient>(
        config_, keys_, context_, deps_.http,
        deps_.clock != nullptr ? deps_.clock : core::SystemClock::Default(), retry_env_, polling_);
  }

  core::Status CheckShape(const std::vector<SnowflakeColumn>& columns) const {
    RETURN_IF_ERROR(CheckColumnCount(columns.size(), config_.max_columns));
    return CheckDistinctColumnNames(Names(columns), dialect_.FoldsIdentifierCase());
  }

  // The ranges with each column named as the model reports it (one LIMIT 0 statement).
  core::StatusOr<std::vector<Range>> ResolveRanges(SnowflakeClient* client, const std::string& sql,
                                                   std::vector<Range> ranges) const {
    if (ranges.empty()) return ranges;
    ASSIGN_OR_RETURN(std::unique_ptr<ResultPage> page,
                     client->Run(dialect_.DescribeQuery(sql), "describing the data model", true));
    const std::vector<std::string> names = Names(page->meta().columns);
    RETURN_IF_ERROR(CheckShape(page->meta().columns));
    RETURN_IF_ERROR(CheckRangeColumns(names, ranges));
    for (Range& r : ranges) {
      ASSIGN_OR_RETURN(size_t i, core::FindColumn(names, r.column));
      r.column = names[i];
    }
    return ranges;
  }

  SnowflakeConfig config_;
  std::shared_ptr<const SnowflakeKeyPair> keys_;
  SnowflakeDialect dialect_;
  ConnectorContext context_;
  ConnectorDeps deps_;
  const RetryEnv* retry_env_;
  SnowflakePolling polling_;
};

}  // namespace

core::StatusOr<std::unique_ptr<Connector>> NewSnowflakeConnector(const nlohmann::json& config,
                                                                 const ConnectorContext& context,
                                                                 const ConnectorDeps& deps,
                                                                 const RetryEnv* retry_env,
                                                                 SnowflakePolling polling) {
  ASSIGN_OR_RETURN(SnowflakeConfig c, ReadSnowflakeConfig(config));
  if (deps.http == nullptr) {
    return core::FailedPrecondition("this process has no HTTP transport for Snowflake");
  }
  std::shared_ptr<const SnowflakeKeyPair> keys;
  if (!c.private_key.empty()) {
    ASSIGN_OR_RETURN(std::unique_ptr<SnowflakeKeyPair> loaded,
                     SnowflakeKeyPair::Load(c.private_key));
    keys = std::move(loaded);
  }
  return std::unique_ptr<Connector>(std::make_unique<SnowflakeConnector>(
      std::move(c), std::move(keys), context, deps, retry_env, polling));
}

ConnectorFactory SnowflakeConnectorFactory() {
  return [](const nlohmann::json& config, const ConnectorContext& context,
            const ConnectorDeps& deps) { return NewSnowflakeConnector(config, context, deps); };
}

}  // namespace wsync::warehouse
