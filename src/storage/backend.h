// The storage backend: where a deployment keeps everything it knows (SPEC §1) — resources and
// pipeline state (catalog::Catalog), runs with their counters, row errors, marks and leases,
// profiles, identities, events and fingerprints (profiles::ProfileStore), and API credentials
// and tokens (CredentialStore). One Backend is opened per process from the store URL
// (storage/store_url.h); it brings the database to the current schema on open, then hands out
// Sessions.
//
// A Session gives the three stores over ONE connection, so `Transaction` makes anything they
// write inside it atomic. The contract every backend keeps (tests/contract/ checks it against
// each):
//   - Atomicity: a batch's profiles, identities, events and fingerprints commit together with
//     the run's counters, its row errors and the pipeline's mark, or none of them does
//     (ProfileStore::Apply and Catalog::RecordCheckpoint inside one Transaction; each also
//     works alone in a transaction of its own). A resource and its references change in one
//     transaction. The batches it forwards (Outbox::Enqueue) commit with it too.
//   - Write exclusivity: at most one write transaction at a time touches a given (workspace,
//     environment)'s profiles and identity index, so an identity lookup made inside a write
//     transaction stays true until its commit. (SQLite gets this from its one write lock;
//     another backend must lock the scope explicitly.) Reads never block writes.
//   - Runs: a queued run is claimed by exactly one worker (compare-and-set with a lease it
//     renews); at most one non-historical run per pipeline is queued or running, and a schedule
//     slot is queued at most once — enforced by the database, not by check-then-insert. A run
//     whose lease expired is ended failed/"interrupted" by any live worker (catalog.h).
//   - Errors: kUnavailable when the database is busy or unreachable (retryable), kNotFound /
//     kAlreadyExists / kFailedPrecondition for the catalog's rules, kInternal for a database
//     that is not as expected; messages never hold secrets.
//
// Threads: a Backend is shared by every thread; NewSession is thread-safe. A Session and its
// stores are used by one thread at a time.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "catalog/catalog.h"
#include "core/secret_box.h"
#include "core/status.h"
#include "core/time.h"
#include "profiles/profile_store.h"
#include "storage/credential_store.h"
#include "storage/outbox.h"
#include "storage/store_url.h"
#include "warehouse/registry.h"

namespace wsync::storage {

class Session {
 public:
  virtual ~Session() = default;
  virtual catalog::Catalog* catalog() = 0;
  virtual profiles::ProfileStore* store() = 0;
  virtual CredentialStore* credentials() = 0;
  // What the pipelines' runs forward to their outputs (outbox.h).
  virtual Outbox* outbox() = 0;
  // Runs `fn` in one write transaction of the session's connection: commits when it returns
  // OK, rolls back otherwise. The stores' own writes inside it join it.
  virtual core::Status Transaction(const std::function<core::Status()>& fn) = 0;
};

// What a session's stores need from the process; all must outlive the backend's sessions.
struct SessionDeps {
  const core::Clock* clock = nullptr;
  // Validates connections and says which config keys are secret (not null).
  const warehouse::Registry* providers = nullptr;
  // Seals connection secrets on write; null stores them as given (tests).
  const core::SecretBox* secrets = nullptr;
};

class Backend {
 public:
  virtual ~Backend() = default;
  const StoreLocation& location() const { return location_; }
  virtual core::StatusOr<std::unique_ptr<Session>> NewSession(const SessionDeps& deps) const = 0;

 protected:
  explicit Backend(StoreLocation location) : location_(std::move(location)) {}

 private:
  StoreLocation location_;
};

// Opens the backend `location` names and migrates it to the current schema (idempotent; safe
// at every start and from several processes at once). InvalidArgument for a URL scheme this
// build has no backend for.
core::StatusOr<std::unique_ptr<Backend>> OpenBackend(const StoreLocation& location);

}  // namespace wsync::storage
