// The one database's tables (SPEC §1): catalog, runs, checkpoints, fingerprints and profiles all
// live in one SQLite file so a batch's data and its checkpoint commit together. Migrate() brings
// a database to the current version (PRAGMA user_version); it is idempotent and safe to call at
// every start.
#pragma once

#include "core/status.h"
#include "storage/sqlite/sqlite_db.h"

namespace wsync::db {

core::Status Migrate(Db* db);

// The version Migrate brings a database to.
int64_t LatestSchemaVersion();
// Migrate, stopping at `version` (a database already there or beyond is left as it is). Tests
// build databases of earlier versions with it.
core::Status MigrateTo(Db* db, int64_t version);

}  // namespace wsync::db
