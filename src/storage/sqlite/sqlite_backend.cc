#include "storage/sqlite/sqlite_backend.h"

#include "storage/sqlite/checkpointer.h"
#include "storage/sqlite/schema.h"
#include "storage/sqlite/sqlite_catalog.h"
#include "storage/sqlite/sqlite_credential_store.h"
#include "storage/sqlite/sqlite_db.h"
#include "storage/sqlite/sqlite_outbox.h"
#include "storage/sqlite/sqlite_profile_store.h"

namespace wsync::storage {

namespace {

class SqliteSession : public Session {
 public:
  static core::StatusOr<std::unique_ptr<Session>> Open(const std::string& path,
                                                       const SessionDeps& deps) {
    if (deps.providers == nullptr) return core::Internal("a session needs the provider registry");
    auto session = std::unique_ptr<SqliteSession>(new SqliteSession());
    ASSIGN_OR_RETURN(std::unique_ptr<db::Db> db, db::Db::Open(path, /*create=*/false));
    session->db_ = std::move(db);
    ASSIGN_OR_RETURN(session->checkpointer_, db::BackgroundCheckpointer::Start(session->db_.get()));
    session->catalog_ = catalog::SqliteCatalog::OnConnection(session->db_, deps.clock,
                                                             deps.providers, deps.secrets);
    session->store_ = profiles::SqliteProfileStore::OnConnection(session->db_);
    ASSIGN_OR_RETURN(session->credentials_, SqliteCredentialStore::Open(session->db_, deps.clock));
    session->outbox_ = std::make_unique<SqliteOutbox>(session->db_);
    return std::unique_ptr<Session>(std::move(session));
  }

  catalog::Catalog* catalog() override { return catalog_.get(); }
  profiles::ProfileStore* store() override { return store_.get(); }
  CredentialStore* credentials() override { return credentials_.get(); }
  Outbox* outbox() override { return outbox_.get(); }
  core::Status Transaction(const std::function<core::Status()>& fn) override {
    return db::InTransaction(db_.get(), fn);
  }

 private:
  SqliteSession() = default;
  // Destroyed in reverse: the stores, then the checkpointer, then (last holder) the connection.
  std::shared_ptr<db::Db> db_;
  std::unique_ptr<db::BackgroundCheckpointer> checkpointer_;
  std::unique_ptr<catalog::SqliteCatalog> catalog_;
  std::unique_ptr<profiles::SqliteProfileStore> store_;
  std::unique_ptr<SqliteCredentialStore> credentials_;
  std::unique_ptr<SqliteOutbox> outbox_;
};

class SqliteBackend : public Backend {
 public:
  explicit SqliteBackend(StoreLocation location) : Backend(std::move(location)) {}
  core::StatusOr<std::unique_ptr<Session>> NewSession(const SessionDeps& deps) const override {
    return SqliteSession::Open(location().database_path, deps);
  }
};

}  // namespace

core::StatusOr<std::unique_ptr<Backend>> OpenSqliteBackend(const StoreLocation& location) {
  ASSIGN_OR_RETURN(std::unique_ptr<db::Db> db, db::Db::Open(location.database_path));
  RETURN_IF_ERROR(db::Migrate(db.get()));
  return std::unique_ptr<Backend>(new SqliteBackend(location));
}

}  // namespace wsync::storage
