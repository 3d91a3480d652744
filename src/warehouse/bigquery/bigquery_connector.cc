#include "warehouse/bigquery/bigquery_connector.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/column_lookup.h"
#include "core/utf8.h"
#include "warehouse/batcher.h"
#include "warehouse/bigquery/bigquery_dialect.h"
#include "warehouse/columns.h"
#include "warehouse/samples.h"
#include "warehouse/sql_guard.h"

namespace wsync::warehouse {
namespace {

std::vector<std::string> Names(const std::vector<BigQueryField>& fields) {
  std::vector<std::string> names;
  names.reserve(fields.size());
  for (const BigQueryField& f : fields) names.push_back(f.name);
  return names;
}

std::vector<core::Column> Columns(const std::vector<BigQueryField>& fields) {
  std::vector<core::Column> out;
  for (const BigQueryField& f : fields) {
    out.push_back({.name = f.name, .type = BigQueryColumnType(f), .inferred = false});
  }
  return out;
}

class BigQueryRowStream : public RowStream {
 public:
  BigQueryRowStream(std::unique_ptr<BigQueryClient> client, std::unique_ptr<BigQueryPage> first,
                    const Query& query)
      : client_(std::move(client)),
        job_(first->job()),
        schema_(first->schema()),
        page_(std::move(first)),
        batcher_(query),
        columns_(std::make_shared<const std::vector<core::Column>>(Columns(schema_))) {}

  const std::vector<core::Column>& columns() const override { return *columns_; }

  core::StatusOr<bool> Next(core::RowBatch* batch) override {
    batch->columns = columns_;
    batcher_.Start(batch);
    core::Row row;
    while (page_ != nullptr && !batcher_.Full(*batch)) {
      core::StatusOr<bool> more = page_->NextRow(schema_, &row);
      if (more.ok() && *more) {
        batcher_.Add(std::move(row), batch);
        continue;
      }
      core::Status failure = more.status();
      if (failure.ok()) {
        const std::string token = page_->page_token();
        page_.reset();  // frees the used-up page before the next one arrives
        if (token.empty()) break;
        if (!seen_tokens_.insert(token).second) {
          failure = core::Internal("BigQuery sent the same pageToken twice");
        } else {
          core::StatusOr<std::unique_ptr<BigQueryPage>> next = client_->NextPage(job_, token);
          if (next.ok()) {
            page_ = std::move(*next);
            continue;
          }
          failure = next.status();
        }
      }
      page_.reset();
      batch->rows.clear();
      return failure;
    }
    return !batch->rows.empty();
  }

 private:
  std::unique_ptr<BigQueryClient> client_;
  BigQueryJob job_;
  std::vector<BigQueryField> schema_;
  std::unique_ptr<BigQueryPage> page_;
  std::set<std::string> seen_tokens_;
  Batcher batcher_;
  std::shared_ptr<const std::vector<core::Column>> columns_;
};

class BigQueryConnector : public Connector {
 public:
  BigQueryConnector(BigQueryConfig config, std::shared_ptr<GoogleTokenSource> tokens,
                    ConnectorContext context, const ConnectorDeps& deps, const RetryEnv* retry_env,
                    BigQueryPolling polling)
      : config_(std::move(config)),
        tokens_(std::move(tokens)),
        context_(context),
        deps_(deps),
        retry_env_(retry_env),
        polling_(polling) {}

  core::Status Verify() override {
    auto client = NewClient();
    ASSIGN_OR_RETURN(std::unique_ptr<BigQueryPage> page,
                     client->Run("SELECT 1 AS ok", "verifying the connection", false));
    core::Row row;
    ASSIGN_OR_RETURN(bool got, page->NextRow(page->schema(), &row));
    if (!got || row.size() != 1) {
      return core::Internal("BigQuery answered the verification query with no row");
    }
    return client->CheckDataset();
  }

  core::StatusOr<Discovery> Discover(std::string_view model_sql, int sample_rows) override {
    ASSIGN_OR_RETURN(std::string sql, CheckReadOnlySql(model_sql, dialect_.guard()));
    sample_rows = std::max(sample_rows, 0);
    auto client = NewClient();
    std::unique_ptr<BigQueryPage> page;
    if (sample_rows == 0) {
      ASSIGN_OR_RETURN(page, Describe(client.get(), sql));
    } else {
      ASSIGN_OR_RETURN(std::string text, dialect_.ExtractStatement(sql, {}, sample_rows));
      ASSIGN_OR_RETURN(page, client->Run(text, "reading sample rows", true));
    }
    const std::vector<BigQueryField>& fields = page->schema();
    RETURN_IF_ERROR(CheckShape(fields));
    Discovery d;
    d.columns = Columns(fields);
    SampleKeeper samples(static_cast<size_t>(sample_rows));
    core::Row row;
    while (samples.wants_more()) {
      ASSIGN_OR_RETURN(bool more, page->NextRow(fields, &row));
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
                             "is a row error (binary_value); select TO_BASE64(column) or "
                             "TO_HEX(column) to sync it as text");
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
    ASSIGN_OR_RETURN(std::unique_ptr<BigQueryPage> page,
                     client->Run(text, "finding the iterator's upper bound", true));
    core::Row row;
    ASSIGN_OR_RETURN(bool got, page->NextRow(page->schema(), &row));
    if (!got || row.size() != 1) {
      return core::Internal("BigQuery returned no maximum for iterator '" + range.column + "'");
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
    ASSIGN_OR_RETURN(std::unique_ptr<BigQueryPage> page,
                     client->Run(text, "reading the data model", true));
    RETURN_IF_ERROR(CheckShape(page->schema()));
    return std::unique_ptr<RowStream>(
        std::make_unique<BigQueryRowStream>(std::move(client), std::move(page), query));
  }

 private:
  std::unique_ptr<BigQueryClient> NewClient() const {
    return std::make_unique<BigQueryClient>(
        config_, tokens_, context_, deps_.http,
        deps_.clock != nullptr ? deps_.clock : core::SystemClock::Default(), retry_env_, polling_);
  }

  // The model's schema from a dry run of its LIMIT 0 wrap; when an answer carries no schema,
  // the LIMIT 0 wrap itself runs (it reads no rows).
  core::StatusOr<std::unique_ptr<BigQueryPage>> Describe(BigQueryClient* client,
                                                         const std::string& sql) const {
    const std::string text = dialect_.DescribeQuery(sql);
    ASSIGN_OR_RETURN(std::unique_ptr<BigQueryPage> page,
                     client->DryRun(text, "describing the data model", true));
    if (page->has_schema()) return page;
    return client->Run(text, "describing the data model", true);
  }

  core::Status CheckShape(const std::vector<BigQueryField>& fields) const {
    RETURN_IF_ERROR(CheckColumnCount(fields.size(), config_.max_columns));
    return CheckDistinctColumnNames(Names(fields), dialect_.FoldsIdentifierCase());
  }

  // The ranges with each column named as the model reports it (one dry run).
  core::StatusOr<std::vector<Range>> ResolveRanges(BigQueryClient* client, const std::string& sql,
                                                   std::vector<Range> ranges) const {
    if (ranges.empty()) return ranges;
    ASSIGN_OR_RETURN(std::unique_ptr<BigQueryPage> page, Describe(client, sql));
    const std::vector<std::string> names = Names(page->schema());
    RETURN_IF_ERROR(CheckShape(page->schema()));
    RETURN_IF_ERROR(CheckRangeColumns(names, ranges));
    for (Range& r : ranges) {
      ASSIGN_OR_RETURN(size_t i, core::FindColumn(names, r.column));
      r.column = names[i];
    }
    return ranges;
  }

  BigQueryConfig config_;
  std::shared_ptr<GoogleTokenSource> tokens_;
  BigQueryDialect dialect_;
  ConnectorContext context_;
  ConnectorDeps deps_;
  const RetryEnv* retry_env_;
  BigQueryPolling polling_;
};

}  // namespace

core::StatusOr<std::unique_ptr<Connector>> NewBigQueryConnector(const nlohmann::json& config,
                                                                const ConnectorContext& context,
                                                                const ConnectorDeps& deps,
                                                                const RetryEnv* retry_env,
                                                                BigQueryPolling polling) {
  ASSIGN_OR_RETURN(BigQueryConfig c, ReadBigQueryConfig(config));
  if (deps.http == nullptr) {
    return core::FailedPrecondition("this process has no HTTP transport for BigQuery");
  }
  TokenEndpoint endpoint{.url = c.token_url,
                         .trusted = context.trusted,
                         .origin = c.token_url_given ? "config.token_url" : "Google's token URL"};
  auto tokens = std::make_shared<GoogleTokenSource>(
      c.key, std::move(endpoint), deps.http,
      deps.clock != nullptr ? deps.clock : core::SystemClock::Default(),
      retry_env != nullptr ? retry_env : &SystemRetryEnv());
  return std::unique_ptr<Connector>(std::make_unique<BigQueryConnector>(
      std::move(c), std::move(tokens), context, deps, retry_env, polling));
}

ConnectorFactory BigQueryConnectorFactory() {
  return [](const nlohmann::json& config, const ConnectorContext& context,
            const ConnectorDeps& deps) { return NewBigQueryConnector(config, context, deps); };
}

}  // namespace wsync::warehouse
