// The BigQuery warehouse connector (provider "bigquery", SPEC §2) over the REST API v2
// (bigquery_client.h: jobs.query, polling, pages, cancellation, errors; bigquery_auth.h:
// service-account token; bigquery_values.h: types). Every call builds its statements through
// BigQueryDialect:
//  - Verify fetches a token, runs SELECT 1 as a job in the project (the service account must
//    be allowed to create jobs: BigQuery Job User) and, with a dataset_id, looks the dataset up
//    (datasets.get: it exists, in the project, and the account may see it).
//  - Discover takes the columns from a dry run of the model wrapped with LIMIT 0 — nothing is
//    read or billed — or, when sample rows are wanted, from LIMIT n, whose schema is the same.
//  - MaxIterator and Execute first learn the model's column names (dry run) when ranges name
//    columns, so a user's "Updated_At" is quoted as the model spells it.
//  - Execute streams: the first page comes with the job, each later page is fetched by its
//    pageToken when the previous one is used up, and rows are converted batch by batch, so
//    memory holds one page's text and one batch whatever the result's size.
// Each call and each stream has its own client (sharing the connector's token cache), so a
// stream can outlive the call and move to another thread. Cancellation: the ConnectorContext's
// StopToken ends a running job with jobs.cancel (and a request in flight at once).
//
// Threads: as for every Connector — one thread at a time per connector and per stream.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>

#include "core/status.h"
#include "warehouse/bigquery/bigquery_client.h"
#include "warehouse/connector.h"
#include "warehouse/registry.h"

namespace wsync::warehouse {

// Validates the config (ReadBigQueryConfig: the key parses) without contacting Google.
// FailedPrecondition when `deps.http` is null. `retry_env` and `polling` are for tests (null:
// real sleeping).
core::StatusOr<std::unique_ptr<Connector>> NewBigQueryConnector(const nlohmann::json& config,
                                                                const ConnectorContext& context,
                                                                const ConnectorDeps& deps,
                                                                const RetryEnv* retry_env = nullptr,
                                                                BigQueryPolling polling = {});

// The factory of provider "bigquery".
ConnectorFactory BigQueryConnectorFactory();

}  // namespace wsync::warehouse
