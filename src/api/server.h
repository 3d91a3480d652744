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
#include <string>
#include <thread>
#include <vector>

#include "api/router.h"
#include "api/services.h"
#include "core/status.h"
#include "core/time.h"
#include "scheduler/scheduler.h"
#include "sync/engine.h"

namespace httplib {
class Server;
}

namespace wsync::api {

struct ServerOptions {
  std::string data_dir;
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port
  const core::Clock* clock = core::SystemClock::Default();
  int run_workers = 2;  // 0: runs are queued but not executed by this process
  int http_threads = 8;
  int64_t worker_poll_ms = 200;
  int64_t scheduler_tick_ms = 1000;      // 0: schedules do not fire in this process
  std::vector<std::string> sqlite_dirs;  // `--sqlite-dir`: where API clients' SQLite files may be
};

class Server {
 public:
  static core::StatusOr<std::unique_ptr<Server>> Start(const ServerOptions& options);
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
  std::unique_ptr<sync::Engine> engine_;
  std::unique_ptr<ConnectionPool> pool_;
  std::unique_ptr<RunWorkers> workers_;
  std::unique_ptr<scheduler::SchedulerLoop> scheduler_;
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
