// What the request handlers share: the engine (database path, registry, secret box, clock), a
// pool of database connections, and the run workers. A handler leases one set of connections
// (catalog, profile store, credential store) for the length of a request; connections are
// opened on first need and reused, since each may be used by one thread at a time.
//
// Threads: ConnectionPool::Acquire and a Lease's destructor are thread-safe; a Lease is used by
// the one thread that acquired it.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "api/auth.h"
#include "catalog/catalog.h"
#include "core/status.h"
#include "profiles/profile_store.h"
#include "runner/run_workers.h"
#include "sync/engine.h"

namespace wsync::api {

struct Throttles;  // api/limits.h

struct Connections {
  std::unique_ptr<catalog::Catalog> catalog;
  std::unique_ptr<profiles::ProfileStore> store;
  std::unique_ptr<CredentialStore> credentials;
};

class ConnectionPool {
 public:
  explicit ConnectionPool(const sync::Engine* engine) : engine_(engine) {}

  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Connections> conns)
        : pool_(pool), conns_(std::move(conns)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) noexcept = default;
    ~Lease() {
      if (pool_ && conns_) pool_->Return(std::move(conns_));
    }
    catalog::Catalog* catalog() { return conns_->catalog.get(); }
    profiles::ProfileStore* store() { return conns_->store.get(); }
    CredentialStore* credentials() { return conns_->credentials.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connections> conns_;
  };

  core::StatusOr<Lease> Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        std::unique_ptr<Connections> c = std::move(idle_.back());
        idle_.pop_back();
        return Lease(this, std::move(c));
      }
    }
    auto c = std::make_unique<Connections>();
    ASSIGN_OR_RETURN(c->catalog, engine_->NewCatalog());
    ASSIGN_OR_RETURN(c->store, engine_->NewStore());
    ASSIGN_OR_RETURN(c->credentials, CredentialStore::Open(engine_->db_path(), engine_->clock()));
    return Lease(this, std::move(c));
  }

 private:
  void Return(std::unique_ptr<Connections> c) {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(std::move(c));
  }
  const sync::Engine* engine_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connections>> idle_;
};

struct Services {
  const sync::Engine* engine = nullptr;
  ConnectionPool* pool = nullptr;
  runner::RunWorkers* workers = nullptr;  // may be null (no run execution)
  const core::Clock* clock = nullptr;
  Throttles* throttles = nullptr;  // may be null (no throttling)
};

}  // namespace wsync::api
