// From a pipeline's definition to mapped rows, in one path shared by the API (create, update,
// activate and preview a pipeline) and the executor (each run), so that what preview shows and
// what a run does cannot drift (SPEC §4 stage two, §5 preview):
//   SpecFor  — the pipeline with the resources it names, read from the catalog;
//   Prepare  — connects, discovers the model's columns as the warehouse sees them now, checks
//              the primary key and the iterator, and compiles the mapper;
//   Preview  — the model's first rows through MapRows (extract_stage.h) and a preview
//              Resolver: what they would change, without writing anything.
// Errors are InvalidArgument with field errors naming what to fix (`connection_id`,
// `data_model_id`, `sync_mode.iterator`, the mapping's own fields), or the warehouse's typed
// failure (warehouse/warehouse_error.h).
//
// Threads: pure functions of their arguments; the catalog, store and connector passed in are
// the caller's and used on the calling thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "core/status.h"
#include "core/stop_token.h"
#include "mapping/mapper.h"
#include "profiles/profile_store.h"
#include "sync/extract_stage.h"
#include "sync/run_spec.h"
#include "warehouse/connector.h"
#include "warehouse/registry.h"

namespace wsync::sync {

// How to reach a connection's warehouse.
struct WarehouseAccess {
  const warehouse::Registry* registry = nullptr;
  // Turns a stored connection config (secrets sealed) into one a connector can use; unset
  // passes the stored config as it is.
  std::function<core::StatusOr<nlohmann::json>(int64_t workspace_id, const catalog::Connection&)>
      reveal_config{};
  // Polled by the connector's statements (cancellation, deadline); may be null.
  const core::StopToken* stop = nullptr;
};

struct PreparedSync {
  std::unique_ptr<warehouse::Connector> connector;
  std::vector<core::Column> columns;        // the model's, as discovered
  std::unique_ptr<mapping::Mapper> mapper;  // compiled against `columns`
  // What MapRows needs, `mapper` included; run_start is the caller's to set.
  RowMapping mapping;
};

// `pipeline` (stored or about to be) with its connection, data model and field transformation
// from `workspace_id`'s catalog. A missing one is a field error naming the pipeline's field.
core::StatusOr<RunSpec> SpecFor(catalog::Catalog* catalog, int64_t workspace_id,
                                const catalog::Pipeline& pipeline);

core::StatusOr<PreparedSync> Prepare(const RunSpec& spec, int64_t workspace_id,
                                     const WarehouseAccess& access);

// SpecFor and Prepare for a pipeline about to be saved or activated. The warehouse's calls poll
// `access.stop`; without one they are bounded by warehouse::kInteractiveDeadline.
core::Status CheckPipeline(catalog::Catalog* catalog, int64_t workspace_id,
                           const catalog::Pipeline& pipeline, WarehouseAccess access);

// One profile a preview would change: as stored (none for a new profile) and after the rows.
struct PreviewProfile {
  std::optional<profiles::Profile> before;
  profiles::Profile after;
};

struct PreviewResult {
  std::vector<PreviewProfile> profiles;  // in the order the rows first touch them
  std::vector<std::string> warnings;     // row errors and skipped rows, by row number
};

// Reads the model's first `max_rows` rows (unordered, no window) and resolves them against
// `store` at `now` without applying anything.
core::StatusOr<PreviewResult> Preview(const RunSpec& spec, int64_t workspace_id,
                                      PreparedSync& prepared, profiles::ProfileStore* store,
                                      int64_t now, int64_t max_rows);

}  // namespace wsync::sync
