// RunSpec: everything one run needs, frozen when the run is created (SPEC §5: "a run uses the
// versions of pipeline, model and mapping it started with"). Stored as the run's `spec` JSON.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "catalog/catalog.h"
#include "catalog/definitions.h"
#include "core/status.h"
#include "mapping/field_transformation.h"

namespace wsync::sync {

struct RunSpec {
  catalog::Pipeline pipeline;
  catalog::DataModel model;
  catalog::Connection connection;  // config as stored (secrets sealed)
  std::optional<mapping::FieldTransformation> field_transformation;
  // Hash of the mapping and settings: part of every fingerprint, so changing either makes the
  // next full run apply every row again.
  uint64_t settings_version = 0;
};

// Reads the pipeline and what it refers to from the catalog.
core::StatusOr<RunSpec> LoadRunSpec(catalog::Catalog* catalog, int64_t workspace_id,
                                    const std::string& pipeline_id);
nlohmann::json ToJson(const RunSpec& spec);
core::StatusOr<RunSpec> RunSpecFromJson(const nlohmann::json& j);

// Creates a queued run of `pipeline_id` with a frozen spec. FailedPrecondition naming the busy
// run when a non-historical run is already queued or running (historical runs may overlap).
core::StatusOr<catalog::Run> CreateRun(catalog::Catalog* catalog, int64_t workspace_id,
                                       const std::string& pipeline_id, catalog::RunType run_type,
                                       int64_t now, std::optional<int64_t> logical_date = {});

// Activates a draft pipeline at `now` and, when it has a sync start date S, queues the
// background run that loads S <= ts < now (SPEC §5), in the same transaction: of concurrent
// activations exactly one applies and queues one run.
core::StatusOr<catalog::StateChangeResult> Activate(catalog::Catalog* catalog, int64_t workspace_id,
                                                    const std::string& pipeline_id, int64_t now);

// Resyncs an active or paused, idle pipeline: clears its incremental mark and, when it has a
// sync start date S, queues the historical run over S <= ts < activation again in the same
// transaction, so the next runs read everything from S (SPEC §5).
core::StatusOr<catalog::StateChangeResult> Resync(catalog::Catalog* catalog, int64_t workspace_id,
                                                  const std::string& pipeline_id, int64_t now);

// 64-bit FNV-1a, the hash behind fingerprints and settings versions.
uint64_t Fnv1a(std::string_view data, uint64_t seed = 14695981039346656037ull);

}  // namespace wsync::sync
