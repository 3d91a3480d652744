#include "warehouse/databricks/databricks_connector.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/column_lookup.h"
#include "core/utf8.h"
#include "warehouse/batcher.h"
#include "warehouse/columns.h"
#include "warehouse/databricks/databricks_dialect.h"
#include "warehouse/samples.h"
#include "warehouse/sql_guard.h"
#include "warehouse/warehouse_error.h"

namespace wsync::warehouse {
namespace {

std::vector<std::string> Names(const std::vector<DatabricksColumn>& columns) {
  std::vector<std::string> names;
  names.reserve(columns.size());
  for (const DatabricksColumn& c : columns) names.push_back(c.name);
  return names;
}

std::vector<core::Column> Columns(const std::vector<DatabricksColumn>& columns) {
  std::vector<core::Column> out;
  for (const DatabricksColumn& c : columns) {
    out.push_back({.name = c.name, .type = DatabricksColumnType(c), .inferred = false});
  }
  return out;
}

// The shared state of one connector: its config and the OAuth token its clients share.
struct Shared {
  DatabricksConfig config;
  std::shared_ptr<DatabricksTokenCache> tokens;
};

// The process's OAuth tokens, one per workspace, client and secret (the secret is part of the
// key, so a wrong secret never finds the token a right one earned): connectors are made per
// call and per run, and the token outlives them until it is due for renewal. At most
// kMaxTokenCaches are kept; those no connector uses are dropped first.
constexpr size_t kMaxTokenCaches = 256;

std::shared_ptr<DatabricksTokenCache> TokenCacheFor(const DatabricksConfig& c) {
  if (c.client_id.empty()) return std::make_shared<DatabricksTokenCache>();
  static std::mutex mu;
  static auto* caches = new std::map<std::string, std::shared_ptr<DatabricksTokenCache>>();
  const std::string key = c.base_url + '\n' + c.client_id + '\n' + c.client_secret;
  std::lock_guard<std::mutex> lock(mu);
  auto it = caches->find(key);
  if (it != caches->end()) return it->second;
  if (caches->size() >= kMaxTokenCaches) {
    for (auto i = caches->begin(); i != caches->end();) {
      i = i->second.use_count() == 1 ? caches->erase(i) : std::next(i);
    }
    if (caches->size() >= kMaxTokenCaches) return std::make_shared<DatabricksTokenCache>();
  }
  return caches->emplace(key, std::make_shared<DatabricksTokenCache>()).first->second;
}

// The rows page of a chunk: its inline rows, or those of its external link.
core::StatusOr<std::unique_ptr<DatabricksPage>> RowsOf(DatabricksClient* client,
                                                       std::unique_ptr<DatabricksPage> chunk) {
  if (chunk->link().url.empty()) return chunk;
  return client->External(chunk->link());
}

class DatabricksRowStream : public RowStream {
 public:
  DatabricksRowStream(std::shared_ptr<Shared> shared, std::unique_ptr<DatabricksClient> client,
                      std::vector<DatabricksColumn> meta, std::unique_ptr<DatabricksPage> rows,
                      std::string next_link, const Query& query)
      : shared_(std::move(shared)),
        client_(std::move(client)),
        meta_(std::move(meta)),
        rows_(std::move(rows)),
        next_link_(std::move(next_link)),
        batcher_(query),
        columns_(std::make_shared<const std::vector<core::Column>>(Columns(meta_))) {}

  const std::vector<core::Column>& columns() const override { return *columns_; }

  core::StatusOr<bool> Next(core::RowBatch* batch) override {
    batch->columns = columns_;
    batcher_.Start(batch);
    core::Row row;
    while (rows_ != nullptr && !batcher_.Full(*batch)) {
      core::StatusOr<bool> more = rows_->NextRow(meta_, &row);
      if (more.ok() && *more) {
        batcher_.Add(std::move(row), batch);
        continue;
      }
      core::Status failure = more.status();
      if (failure.ok()) {
        rows_.reset();  // frees the used-up chunk before the next one arrives
        if (next_link_.empty()) break;
        core::StatusOr<std::unique_ptr<DatabricksPage>> chunk = client_->Chunk(next_link_);
        if (chunk.ok()) {
          next_link_ = (*chunk)->next_link();
          chunk = RowsOf(client_.get(), std::move(*chunk));
        }
        if (chunk.ok()) {
          rows_ = std::move(*chunk);
          continue;
        }
        failure = chunk.status();
      }
      rows_.reset();
      batch->rows.clear();
      return failure;
    }
    return !batch->rows.empty();
  }

 private:
  std::shared_ptr<Shared> shared_;  // outlives client_
  std::unique_ptr<DatabricksClient> client_;
  std::vector<DatabricksColumn> meta_;
  std::unique_ptr<DatabricksPage> rows_;
  std::string next_link_;
  Batcher batcher_;
  std::shared_ptr<const std::vector<core::Column>> columns_;
};

class DatabricksConnector : public Connector {
 public:
  DatabricksConnector(DatabricksConfig config, ConnectorContext context, const ConnectorDeps& deps,
                      const RetryEnv* retry_env, DatabricksPolling polling)
      : shared_(std::make_shared<Shared>()),
        context_(context),
        deps_(deps),
        retry_env_(retry_env),
        polling_(polling) {
    shared_->config = std::move(config);
    shared_->tokens = TokenCacheFor(shared_->config);
  }

  core::Status Verify() override {
    auto client = NewClient();
    ASSIGN_OR_RETURN(std::unique_ptr<DatabricksPage> page,
                     client->Run("SELECT current_catalog() AS catalog, current_schema() AS schema",
                                 "verifying the connection", false, false));
    core::Row row;
    ASSIGN_OR_RETURN(bool got, page->NextRow(page->columns(), &row));
    if (!got || row.size() != 2) {
      return core::Internal("Databricks answered the verification query with no row");
    }
    return core::Status::Ok();
  }

  core::StatusOr<Discovery> Discover(std::string_view model_sql, int sample_rows) override {
    ASSIGN_OR_RETURN(std::string sql, CheckReadOnlySql(model_sql, dialect_.guard()));
    sample_rows = std::max(sample_rows, 0);
    auto client = NewClient();
    std::unique_ptr<DatabricksPage> page;
    if (sample_rows == 0) {
      ASSIGN_OR_RETURN(
          page, client->Run(dialect_.DescribeQuery(sql), "describing the data model", true, false));
    } else {
      ASSIGN_OR_RETURN(std::string text, dialect_.ExtractStatement(sql, {}, sample_rows));
      ASSIGN_OR_RETURN(page, client->Run(text, "reading sample rows", true, false));
    }
    const std::vector<DatabricksColumn> columns = page->columns();
    RETURN_IF_ERROR(CheckShape(columns));
    Discovery d;
    d.columns = Columns(columns);
    SampleKeeper samples(static_cast<size_t>(sample_rows));
    core::Row row;
    std::string next_link = page->next_link();
    ASSIGN_OR_RETURN(std::unique_ptr<DatabricksPage> rows, RowsOf(client.get(), std::move(page)));
    while (samples.wants_more()) {
      ASSIGN_OR_RETURN(bool more, rows->NextRow(columns, &row));
      if (!more) {
        if (next_link.empty()) break;
        ASSIGN_OR_RETURN(std::unique_ptr<DatabricksPage> chunk, client->Chunk(next_link));
        next_link = chunk->next_link();
        ASSIGN_OR_RETURN(rows, RowsOf(client.get(), std::move(chunk)));
        continue;
      }
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
                             "is a row error (binary_value); select hex(column) to sync it as "
                             "text");
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
    ASSIGN_OR_RETURN(std::unique_ptr<DatabricksPage> page,
                     client->Run(text, "finding the iterator's upper bound", true, false));
    core::Row row;
    ASSIGN_OR_RETURN(bool got, page->NextRow(page->columns(), &row));
    if (!got || row.size() != 1) {
      return core::Internal("Databricks returned no maximum for iterator '" + range.column + "'");
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
    ASSIGN_OR_RETURN(
        std::unique_ptr<DatabricksPage> page,
        client->Run(text, "reading the data model", true, shared_->config.external_links));
    std::vector<DatabricksColumn> meta = page->columns();
    RETURN_IF_ERROR(CheckShape(meta));
    std::string next_link = page->next_link();
    ASSIGN_OR_RETURN(std::unique_ptr<DatabricksPage> rows, RowsOf(client.get(), std::move(page)));
    return std::unique_ptr<RowStream>(std::make_unique<DatabricksRowStream>(
        shared_, std::move(client), std::move(meta), std::move(rows), std::move(next_link), query));
  }

 private:
  std::unique_ptr<DatabricksClient> NewClient() const {
    return std::make_unique<DatabricksClient>(
        &shared_->config, context_, deps_.http,
        deps_.clock != nullptr ? deps_.clock : core::SystemClock::Default(), shared_->tokens.get(),
        retry_env_, polling_);
  }

  core::Status CheckShape(const std::vector<DatabricksColumn>& columns) const {
    RETURN_IF_ERROR(CheckColumnCount(columns.size(), shared_->config.max_columns));
    return CheckDistinctColumnNames(Names(columns), dialect_.FoldsIdentifierCase());
  }

  core::StatusOr<std::vector<Range>> ResolveRanges(DatabricksClient* client, const std::string& sql,
                                                   std::vector<Range> ranges) const {
    if (ranges.empty()) return ranges;
    ASSIGN_OR_RETURN(
        std::unique_ptr<DatabricksPage> page,
        client->Run(dialect_.DescribeQuery(sql), "describing the data model", true, false));
    const std::vector<std::string> names = Names(page->columns());
    RETURN_IF_ERROR(CheckShape(page->columns()));
    RETURN_IF_ERROR(CheckRangeColumns(names, ranges));
    for (Range& r : ranges) {
      ASSIGN_OR_RETURN(size_t i, core::FindColumn(names, r.column));
      r.column = names[i];
    }
    return ranges;
  }

  std::shared_ptr<Shared> shared_;
  DatabricksDialect dialect_;
  ConnectorContext context_;
  ConnectorDeps deps_;
  const RetryEnv* retry_env_;
  DatabricksPolling polling_;
};

}  // namespace

core::StatusOr<std::unique_ptr<Connector>> NewDatabricksConnector(const nlohmann::json& config,
                                                                  const ConnectorContext& context,
                                                                  const ConnectorDeps& deps,
                                                                  const RetryEnv* retry_env,
                                                                  DatabricksPolling polling) {
  ASSIGN_OR_RETURN(DatabricksConfig c, ReadDatabricksConfig(config));
  if (deps.http == nullptr) {
    return core::FailedPrecondition("this process has no HTTP transport for Databricks");
  }
  return std::unique_ptr<Connector>(
      std::make_unique<DatabricksConnector>(std::move(c), context, deps, retry_env, polling));
}

ConnectorFactory DatabricksConnectorFactory() {
  return [](const nlohmann::json& config, const ConnectorContext& context,
            const ConnectorDeps& deps) { return NewDatabricksConnector(config, context, deps); };
}

}  // namespace wsync::warehouse
