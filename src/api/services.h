// What the request handlers share: the deployment (storage sessions, registry, secrets, clock),
// a pool of storage sessions, and the run workers.
//
// Threads: SessionPool::Acquire and a Lease's destructor are thread-safe; a Lease is used by
// the one thread that acquired it.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "catalog/catalog.h"
#include "core/status.h"
#include "profiles/profile_store.h"
#include "runner/run_workers.h"
#include "storage/backend.h"
#include "sync/deployment.h"

namespace wsync::api {

struct Throttles;  // api/limits.h

// Sessions kept between requests: a handler leases one (catalog, profile store, credentials on
// one connection) for the length of a request; sessions are opened on first need and reused.
class SessionPool {
 public:
  explicit SessionPool(const sync::Deployment* deployment) : deployment_(deployment) {}

  class Lease {
   public:
    Lease(SessionPool* pool, std::unique_ptr<storage::Session> session)
        : pool_(pool), session_(std::move(session)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) noexcept = default;
    ~Lease() {
      if (pool_ && session_) pool_->Return(std::move(session_));
    }
    catalog::Catalog* catalog() { return session_->catalog(); }
    profiles::ProfileStore* store() { return session_->store(); }
    storage::CredentialStore* credentials() { return session_->credentials(); }
    storage::Outbox* outbox() { return session_->outbox(); }
    core::Status Transaction(const std::function<core::Status()>& fn) {
      return session_->Transaction(fn);
    }

   private:
    SessionPool* pool_;
    std::unique_ptr<storage::Session> session_;
  };

  core::StatusOr<Lease> Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        std::unique_ptr<storage::Session> s = std::move(idle_.back());
        idle_.pop_back();
        return Lease(this, std::move(s));
      }
    }
    ASSIGN_OR_RETURN(std::unique_ptr<storage::Session> s, deployment_->NewSession());
    return Lease(this, std::move(s));
  }

 private:
  void Return(std::unique_ptr<storage::Session> s) {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(std::move(s));
  }
  const sync::Deployment* deployment_;
  std::mutex mu_;
  std::vector<std::unique_ptr<storage::Session>> idle_;
};

struct Services {
  const sync::Deployment* deployment = nullptr;
  SessionPool* pool = nullptr;
  runner::RunWorkers* workers = nullptr;  // may be null (no run execution)
  const core::Clock* clock = nullptr;
  Throttles* throttles = nullptr;  // may be null (no throttling)
};

}  // namespace wsync::api
