#include "db/schema.h"

#include <string>
#include <vector>

namespace wsync::db {

namespace {

// One step of the schema: its SQL, then (rarely) work SQL alone cannot do well.
struct Migration {
  Migration(const char* sql) : sql(sql) {}  // NOLINT(google-explicit-constructor): list entries
  Migration(const char* sql, core::Status (*then)(Db* db)) : sql(sql), then(then) {}
  const char* sql;
  core::Status (*then)(Db* db) = nullptr;
};

// Each entry moves the schema one version forward. Never edit a shipped entry; append one.
const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      R"sql(
CREATE TABLE resources (
  workspace_id INTEGER NOT NULL,
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  body TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1,
  created_on INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  last_modified_on INTEGER NOT NULL,
  last_modified_by TEXT NOT NULL,
  PRIMARY KEY (workspace_id, kind, id)
) WITHOUT ROWID;

CREATE TABLE pipeline_state (
  workspace_id INTEGER NOT NULL,
  pipeline_id TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'draft',
  status TEXT NOT NULL DEFAULT 'healthy',
  errors TEXT NOT NULL DEFAULT '[]',
  high_water_mark TEXT,
  activated_at INTEGER,
  last_slot INTEGER,
  PRIMARY KEY (workspace_id, pipeline_id)
) WITHOUT ROWID;

CREATE TABLE runs (
  run_id INTEGER PRIMARY KEY AUTOINCREMENT,
  workspace_id INTEGER NOT NULL,
  pipeline_id TEXT NOT NULL,
  run_type TEXT NOT NULL,
  state TEXT NOT NULL,
  logical_date INTEGER,
  range_start TEXT,
  range_end TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  ended_at INTEGER,
  records_extracted INTEGER NOT NULL DEFAULT 0,
  records_mapped INTEGER NOT NULL DEFAULT 0,
  records_unchanged INTEGER NOT NULL DEFAULT 0,
  records_skipped INTEGER NOT NULL DEFAULT 0,
  records_failed INTEGER NOT NULL DEFAULT 0,
  profiles_created INTEGER NOT NULL DEFAULT 0,
  profiles_updated INTEGER NOT NULL DEFAULT 0,
  identity_conflicts INTEGER NOT NULL DEFAULT 0,
  events_created INTEGER NOT NULL DEFAULT 0,
  batches_forwarded INTEGER NOT NULL DEFAULT 0,
  row_errors_total INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  spec TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX runs_by_pipeline ON runs (workspace_id, pipeline_id, run_id);

CREATE TABLE row_errors (
  run_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  row INTEGER NOT NULL,
  key TEXT NOT NULL,
  column_name TEXT NOT NULL,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

-- mpids are unique across workspaces, so the mpid is the rowid: profile rows are large, and
-- rowid tables store large rows better than WITHOUT ROWID ones.
CREATE TABLE profiles (
  mpid INTEGER PRIMARY KEY,
  workspace_id INTEGER NOT NULL,
  environment TEXT NOT NULL,
  identities TEXT NOT NULL,
  attributes TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  updated_run INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE identities (
  workspace_id INTEGER NOT NULL,
  environment TEXT NOT NULL,
  type TEXT NOT NULL,
  value TEXT NOT NULL,
  mpid INTEGER NOT NULL,
  -- The most selective column first: most key comparisons then end at the first bytes.
  PRIMARY KEY (value, type, workspace_id, environment)
) WITHOUT ROWID;

CREATE TABLE events (
  workspace_id INTEGER NOT NULL,
  environment TEXT NOT NULL,
  dedup_key TEXT NOT NULL,
  mpid INTEGER NOT NULL,
  body TEXT NOT NULL,
  timestamp_ms INTEGER,
  pipeline_id TEXT NOT NULL,
  run_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (dedup_key, workspace_id, environment)
) WITHOUT ROWID;
CREATE INDEX events_by_profile ON events (workspace_id, mpid, created_at);

CREATE TABLE fingerprints (
  workspace_id INTEGER NOT NULL,
  pipeline_id TEXT NOT NULL,
  row_key TEXT NOT NULL,
  hash INTEGER NOT NULL,
  PRIMARY KEY (row_key, pipeline_id, workspace_id)
) WITHOUT ROWID;

CREATE TABLE credentials (
  client_id TEXT PRIMARY KEY,
  workspace_id INTEGER NOT NULL,
  secret_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);

CREATE TABLE tokens (
  token_hash TEXT PRIMARY KEY,
  client_id TEXT NOT NULL,
  workspace_id INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
)sql",
      // 2: the last verify of each connection, and lookups for the API's auth.
      R"sql(
CREATE TABLE connection_state (
  workspace_id INTEGER NOT NULL,
  connection_id TEXT NOT NULL,
  state TEXT NOT NULL,
  status TEXT NOT NULL,
  errors TEXT NOT NULL DEFAULT '[]',
  verified_at INTEGER,
  PRIMARY KEY (workspace_id, connection_id)
) WITHOUT ROWID;
CREATE INDEX tokens_by_client ON tokens (client_id);
CREATE INDEX credentials_by_workspace ON credentials (workspace_id, client_id);
)sql",
      // 3: a fingerprint names the profile its row resolved to, so erasing the profile forgets
      // the row. Fingerprints written before have no profile: they are dropped, and the next
      // full run of each pipeline re-reads every row once (unchanged profiles are not written).
      R"sql(
DELETE FROM fingerprints;
ALTER TABLE fingerprints ADD COLUMN mpid INTEGER NOT NULL DEFAULT 0;
CREATE INDEX fingerprints_by_profile ON fingerprints (workspace_id, mpid);
)sql",
      // 4: mpids come from one allocator for every workspace (ProfileStore::ClaimMpids), above
      // every mpid already stored (those were random 30-bit prefixes shifted by 32) and a random
      // starting point.
      R"sql(
CREATE TABLE mpid_allocator (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  next_mpid INTEGER NOT NULL
);
INSERT INTO mpid_allocator (id, next_mpid) VALUES (1, max(
  coalesce((SELECT max(mpid) FROM profiles), 0) + 1, (random() & 1099511627775) + 1));
)sql",
      // 5: at most one queued or running non-historical run per pipeline, enforced by the
      // database so concurrent triggers and scheduler ticks cannot queue two. Duplicates left
      // by older versions are cancelled first (the oldest one stays).
      R"sql(
UPDATE runs SET state = 'cancelled', error = 'cancelled: another run of this pipeline was queued'
WHERE state IN ('queued', 'running') AND run_type <> 'historical' AND run_id NOT IN (
  SELECT min(run_id) FROM runs WHERE state IN ('queued', 'running') AND run_type <> 'historical'
  GROUP BY workspace_id, pipeline_id);
CREATE UNIQUE INDEX runs_one_active ON runs (workspace_id, pipeline_id)
WHERE state IN ('queued', 'running') AND run_type <> 'historical';
)sql",
  };
  return kMigrations;
}

}  // namespace

int64_t LatestSchemaVersion() { return static_cast<int64_t>(Migrations().size()); }

core::Status Migrate(Db* db) { return MigrateTo(db, LatestSchemaVersion()); }

core::Status MigrateTo(Db* db, int64_t target) {
  if (target < 0 || target > LatestSchemaVersion()) {
    return core::InvalidArgument("no schema version " + std::to_string(target));
  }
  // The version is read under the write lock: two processes starting together on one data
  // directory take turns, and the second finds the schema already current.
  return InTransaction(db, [&]() -> core::Status {
    ASSIGN_OR_RETURN(Stmt version, db->Prepare("PRAGMA user_version"));
    ASSIGN_OR_RETURN(bool has_row, version.Step());
    const int64_t current = has_row ? version.Int(0) : 0;
    version.Reset();  // an open statement would lock the tables a migration drops or renames
    if (current >= target) return core::Status::Ok();
    const auto& migrations = Migrations();
    for (int64_t v = current; v < target; ++v) {
      const Migration& m = migrations[static_cast<size_t>(v)];
      RETURN_IF_ERROR(db->Exec(m.sql));
      if (m.then != nullptr) RETURN_IF_ERROR(m.then(db));
    }
    return db->Exec("PRAGMA user_version = " + std::to_string(target));
  });
}

}  // namespace wsync::db
