// Deployment: what runs, previews and requests need from the process they work in — storage
// sessions, the warehouse registry, connection secrets opened for a connector, the clock and the
// executor's dependencies. app::Engine (the composition root) implements it; the runner, the
// scheduler and the API see only this interface, so none of them depends on the wiring.
//
// Threads: every method is thread-safe; a session belongs to the caller that opened it.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>

#include "catalog/definitions.h"
#include "core/status.h"
#include "core/time.h"
#include "forward/forwarder.h"
#include "storage/backend.h"
#include "sync/prepare.h"
#include "sync/run_executor.h"
#include "warehouse/registry.h"

namespace wsync::sync {

class Deployment {
 public:
  virtual ~Deployment() = default;
  // Where the deployment keeps its data (the store URL).
  virtual const storage::StoreLocation& store() const = 0;
  // A session on the storage backend: catalog, profile store and credentials on one connection.
  virtual core::StatusOr<std::unique_ptr<storage::Session>> NewSession() const = 0;
  virtual ExecutorDeps executor_deps() const = 0;
  virtual const core::Clock* clock() const = 0;
  virtual const warehouse::Registry& registry() const = 0;
  // A connection's config with its secrets opened, for a connector; the secrets open only in
  // the workspace they were sealed for.
  virtual core::StatusOr<nlohmann::json> RevealConfig(
      int64_t workspace_id, const catalog::Connection& connection) const = 0;
  // What a forwarder (forward/forwarder.h) needs from the process: the HTTP sender under the
  // egress rule, the allowed output directories, output secrets opened.
  virtual forward::ForwarderDeps forwarder_deps() const = 0;

  // How sync::Prepare reaches a connection's warehouse from this deployment, its statements
  // polling `stop` (the caller's, outliving the connector; may be null).
  WarehouseAccess warehouse_access(const core::StopToken* stop) const {
    return {.registry = &registry(),
            .reveal_config =
                [this](int64_t workspace_id, const catalog::Connection& c) {
                  return RevealConfig(workspace_id, c);
                },
            .stop = stop};
  }
};

}  // namespace wsync::sync
