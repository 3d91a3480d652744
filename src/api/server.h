// Server: the REST API of SPEC §8 over HTTP (cpp-httplib), plus the run workers that execute
// queued runs, on one data directory. Start binds (port 0 picks a free port), marks runs a
// previous process left `running` as failed ("interrupted"), starts the workers and serves on
// a thread pool until Stop. Stop ends intake, interrupts running runs at their next batch
// boundary and joins everything.
//
// Threads: Start and Stop from one controlling thread; requests are served concurrently, each
// with its own leased database connections.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/router.h"
#include "api/services.h"
#include "core/status.h"
#include "core/time.h"
#include "forward/forward_loop.h"
#include "scheduler/scheduler.h"
#include "sync/deployment.h"

namespace httplib {
class Server;
}

namespace wsync::api {

struct ServerOptions {
  // Where the deployment is (app::StartServer opens it): sqlite:///DATA_DIR/wsync.db, unless
  // `store` is set.
  std::string data_dir;
  std::optional<storage::StoreLocation> store;
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port
  const core::Clock* clock = core::SystemClock::Default();
  int run_workers = 4;  // 0: runs are queued but not executed by this process
  // The HTTP transport (api/http_transport.h): threads kept for connections (more start while
  // all are busy), connections served at once (beyond: 503), and the time a client has to send
  // a request's headers, its body, and the next request on a kept-alive connection.
  int http_threads = 32;
  int max_connections = 256;
  int64_t header_timeout_ms = 5000;
  int64_t body_timeout_ms = 10000;
  int64_t keep_alive_ms = 5000;
  // /oauth/token throttles (api/limits.h): attempts per client address and per client_id (a
  // burst, then one per refill period; beyond: 429 with Retry-After), and concurrent Argon2id
  // verifications (64 MiB each; a request waits up to password_hash_wait_ms for a slot).
  int token_burst_per_address = 30;
  int64_t token_refill_ms_per_address = 1000;
  int token_burst_per_client = 10;
  int64_t token_refill_ms_per_client = 6000;
  int password_hash_concurrency = 2;
  int64_t password_hash_wait_ms = 2000;
  // Concurrent verify / discover / preview / pipeline-check requests per workspace (beyond: 429).
  int warehouse_requests_per_workspace = 2;
  int64_t worker_poll_ms = 200;
  // Run leases (runner/lease_keeper.h): how long a claim lasts without renewal, how often this
  // process renews its claims and recovers those of processes that are gone.
  int64_t lease_ms = 30'000;
  int64_t lease_renew_ms = 1'000;
  int64_t scheduler_tick_ms = 1000;      // 0: schedules do not fire in this process
  std::vector<std::string> sqlite_dirs;  // `--sqlite-dir`: where API clients' SQLite files may be
  std::vector<std::string> allow_networks;  // `--allow-network`: CIDRs warehouse hosts may be in
  std::vector<std::string> output_dirs;     // `--output-dir`: where JSON-lines outputs may write
  // Forwarding (forward/forward_loop.h): how often outboxes are drained; 0: not in this process.
  int64_t forward_poll_ms = 200;
  forward::ForwarderOptions forwarder;
};

class Server {
 public:
  // Serves `deployment` (opened by the caller, app::StartServer), which the server keeps.
  static core::StatusOr<std::unique_ptr<Server>> Start(
      const ServerOptions& options, std::unique_ptr<sync::Deployment> deployment);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Idempotent.
  void Stop();

  const std::string& host() const { return options_.host; }
  int port() const { return port_; }
  const Router& router() const { return router_; }

 private:
  explicit Server(ServerOptions options);
  void Dispatch(const void* request, void* response);

  ServerOptions options_;
  std::unique_ptr<sync::Deployment> deployment_;
  std::unique_ptr<SessionPool> pool_;
  std::unique_ptr<runner::LeaseKeeper> leases_;  // outlives workers_
  std::unique_ptr<runner::RunWorkers> workers_;
  std::unique_ptr<Throttles> throttles_;
  std::unique_ptr<scheduler::SchedulerLoop> scheduler_;
  std::unique_ptr<forward::ForwardLoop> forwarder_;
  Services services_;
  Router router_;
  std::unique_ptr<httplib::Server> http_;
  std::thread listener_;
  int port_ = 0;
  bool stopped_ = false;
};

// The routes of the API bound to `services` (the server's table; tests compare it with the
// OpenAPI document).
void AddAllRoutes(Router* router, Services* services);

}  // namespace wsync::api
