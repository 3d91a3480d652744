#include "app/engine.h"

#include <cstdlib>
#include <filesystem>

#include "catalog/secrets.h"
#include "forward/http/curl_sender.h"
#include "warehouse/builtin_providers.h"
#include "warehouse/sqlite/sqlite_paths.h"

namespace wsync::app {

Engine::Engine(const core::Clock* clock, warehouse::NetworkPolicy network)
    : clock_(clock),
      network_(std::move(network)),
      // One transport per process, under the same egress rule as the drivers' connections.
      http_(&network_),
      registry_(warehouse::ConnectorDeps{.clock = clock, .http = &http_, .network = &network_}) {}

core::StatusOr<std::unique_ptr<Engine>> Engine::Open(const std::string& data_dir,
                                                     const core::Clock* clock,
                                                     const EngineOptions& options) {
  return Open(storage::StoreInDataDir(data_dir), clock, options);
}

core::StatusOr<std::unique_ptr<Engine>> Engine::Open(const storage::StoreLocation& store,
                                                     const core::Clock* clock,
                                                     const EngineOptions& options) {
  const std::string& data_dir = store.data_dir;
  std::error_code ec;
  // F16: a data directory wsync creates is the owner's only.
  if (std::filesystem::create_directories(data_dir, ec) && !ec) {
    std::filesystem::permissions(data_dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
  }
  if (ec) {
    return core::InvalidArgument("cannot create data directory '" + data_dir +
                                 "': " + ec.message());
  }
  ASSIGN_OR_RETURN(warehouse::NetworkPolicy network,
                   warehouse::NetworkPolicy::Allowing(options.allow_networks));
  auto engine = std::unique_ptr<Engine>(new Engine(clock, std::move(network)));
  // The data directory is never a warehouse: its real path goes to the connector with the
  // directories the operator allows.
  ASSIGN_OR_RETURN(warehouse::SqliteOptions sqlite,
                   warehouse::ResolveSqliteOptions(
                       options.sqlite_dirs, data_dir,
                       std::filesystem::path(store.database_path).filename().string()));
  warehouse::RegisterBuiltinProviders(&engine->registry_, std::move(sqlite));
  ASSIGN_OR_RETURN(engine->backend_, storage::OpenBackend(store));
  ASSIGN_OR_RETURN(engine->secrets_, core::SecretBox::LoadOrCreate(data_dir));
  ASSIGN_OR_RETURN(engine->output_dirs_, forward::ResolveOutputDirs(options.output_dirs));
  engine->output_sender_ = std::make_unique<forward::CurlSender>(&engine->network_);
  return engine;
}

core::StatusOr<std::unique_ptr<storage::Session>> Engine::NewSession() const {
  return backend_->NewSession(
      {.clock = clock_, .providers = &registry_, .secrets = secrets_.get()});
}

sync::ExecutorDeps Engine::executor_deps() const {
  sync::ExecutorDeps deps;
  deps.clock = clock_;
  deps.registry = &registry_;
  deps.reveal_config = [this](int64_t workspace_id, const catalog::Connection& c) {
    return RevealConfig(workspace_id, c);
  };
  // Rows per batch: an operator's knob (and the crash test's, to get many batches quickly).
  if (const char* rows = std::getenv("WSYNC_BATCH_ROWS")) {
    long n = std::strtol(rows, nullptr, 10);
    if (n > 0) deps.batch_rows = static_cast<size_t>(n);
  }
  return deps;
}

core::StatusOr<nlohmann::json> Engine::RevealConfig(int64_t workspace_id,
                                                    const catalog::Connection& connection) const {
  return catalog::RevealConfig(registry_, connection, workspace_id, secrets_.get());
}

forward::ForwarderDeps Engine::forwarder_deps() const {
  forward::ForwarderDeps deps;
  deps.clock = clock_;
  deps.http = output_sender_.get();
  deps.files = {output_dirs_, data_dir()};
  deps.reveal_outputs = [this](int64_t workspace_id, const std::string& pipeline_id,
                               const nlohmann::json& outputs) {
    return catalog::RevealOutputs({workspace_id, catalog::Kind::kPipeline, pipeline_id}, outputs,
                                  secrets_.get());
  };
  return deps;
}

core::StatusOr<std::unique_ptr<api::Server>> StartServer(const api::ServerOptions& options) {
  ASSIGN_OR_RETURN(
      std::unique_ptr<Engine> engine,
      Engine::Open(options.store.value_or(storage::StoreInDataDir(options.data_dir)), options.clock,
                   {.sqlite_dirs = options.sqlite_dirs,
                    .allow_networks = options.allow_networks,
                    .output_dirs = options.output_dirs}));
  return api::Server::Start(options, std::move(engine));
}

}  // namespace wsync::app
