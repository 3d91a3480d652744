#include "storage/sqlite/schema.h"

#include <chrono>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
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

core::Status RenumberAttributeRuns(Db* db);

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
      // 6: a full run counts the rows whose key an earlier row of the run already had. A
      // fingerprint now hashes what its row writes (not every raw column), and a row carrying
      // an event is keyed by that event: the old fingerprints can match nothing and are dropped,
      // so the next full run of each pipeline re-reads its rows once.
      R"sql(
ALTER TABLE runs ADD COLUMN records_duplicate INTEGER NOT NULL DEFAULT 0;
DELETE FROM fingerprints;
)sql",
      // 7: run ids are numbered per workspace (security finding F18): a global sequence told a
      // tenant how many runs the others had. The global key stays as `run_key`, internal to
      // the database (queue order, row errors); `run_id` is the workspace's own number, the one
      // every client sees. Existing runs are numbered in the order they were created, and the
      // run ids stored with profiles (events, the last run that updated a profile, attribute
      // sources) follow them.
      {R"sql(
ALTER TABLE runs RENAME COLUMN run_id TO run_key;
ALTER TABLE row_errors RENAME COLUMN run_id TO run_key;
ALTER TABLE runs ADD COLUMN run_id INTEGER NOT NULL DEFAULT 0;
UPDATE runs SET run_id = numbered.run_id FROM (
  SELECT run_key, row_number() OVER (PARTITION BY workspace_id ORDER BY run_key) AS run_id
  FROM runs) AS numbered
WHERE runs.run_key = numbered.run_key;
CREATE UNIQUE INDEX runs_by_number ON runs (workspace_id, run_id);
DROP INDEX runs_by_pipeline;
CREATE INDEX runs_by_pipeline ON runs (workspace_id, pipeline_id, run_id);
UPDATE events SET run_id = coalesce((SELECT r.run_id FROM runs r WHERE r.run_key = events.run_id
  AND r.workspace_id = events.workspace_id), 0) WHERE run_id <> 0;
UPDATE profiles SET updated_run = coalesce((SELECT r.run_id FROM runs r
  WHERE r.run_key = profiles.updated_run AND r.workspace_id = profiles.workspace_id), 0)
WHERE updated_run <> 0;
)sql",
       &RenumberAttributeRuns},
      // 8: runs are claimed by lease, so several processes share one deployment (SPEC §10):
      // the worker holding a run and until when; a cancel asked of a run another process holds;
      // and a scheduled or once run's slot, unique per pipeline so two schedulers ticking
      // together queue it once (older runs have none).
      R"sql(
ALTER TABLE runs ADD COLUMN lease_owner TEXT;
ALTER TABLE runs ADD COLUMN lease_expires_at INTEGER;
ALTER TABLE runs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN slot INTEGER;
CREATE UNIQUE INDEX runs_one_per_slot ON runs (workspace_id, pipeline_id, slot);
CREATE INDEX runs_by_lease ON runs (lease_owner) WHERE state = 'running';
)sql",
      // 9: forwarding (SPEC §11). The outbox holds rendered batches written with the batch they
      // come from; each output's cursor says how far it delivered; a drain lease keeps one
      // process at a time sending a pipeline's entries, in order.
      R"sql(
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  workspace_id INTEGER NOT NULL,
  pipeline_id TEXT NOT NULL,
  run_id INTEGER NOT NULL,
  mpid INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX outbox_by_pipeline ON outbox (workspace_id, pipeline_id, seq);
CREATE INDEX outbox_by_profile ON outbox (workspace_id, mpid);
CREATE TABLE outbox_cursors (
  workspace_id INTEGER NOT NULL,
  pipeline_id TEXT NOT NULL,
  output_key TEXT NOT NULL,
  delivered_seq INTEGER NOT NULL DEFAULT 0,
  delivered_total INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  last_error_at INTEGER,
  paused_until INTEGER,
  PRIMARY KEY (workspace_id, pipeline_id, output_key)
) WITHOUT ROWID;
CREATE TABLE outbox_drains (
  workspace_id INTEGER NOT NULL,
  pipeline_id TEXT NOT NULL,
  owner TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (workspace_id, pipeline_id)
) WITHOUT ROWID;
)sql",
  };
  return kMigrations;
}

// Migration 7, for the run ids inside attribute documents (profiles/profile_codec.cc): version 2
// keeps each provenance as [source_time, pipeline_id, run_id, updated_at] in "m", version 1
// keeps the run in each attribute's "r". A run id that names no run of the profile's workspace
// becomes 0 (no run), so no global id survives.
core::Status RenumberAttributeRuns(Db* db) {
  std::unordered_map<int64_t, std::pair<int64_t, int64_t>> runs;  // run_key → (workspace, run_id)
  {
    ASSIGN_OR_RETURN(Stmt s, db->Prepare("SELECT run_key, workspace_id, run_id FROM runs"));
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      runs[s.Int(0)] = {s.Int(1), s.Int(2)};
    }
  }
  auto renumber = [&](nlohmann::json* id, int64_t workspace_id) {
    if (!id->is_number_integer() || id->get<int64_t>() == 0) return false;
    auto it = runs.find(id->get<int64_t>());
    *id = it != runs.end() && it->second.first == workspace_id ? it->second.second : 0;
    return true;
  };
  ASSIGN_OR_RETURN(Stmt page, db->Prepare("SELECT mpid, workspace_id, attributes FROM profiles "
                                          "WHERE mpid >= ?1 ORDER BY mpid LIMIT 512"));
  ASSIGN_OR_RETURN(Stmt update, db->Prepare("UPDATE profiles SET attributes = ?2 WHERE mpid = ?1"));
  int64_t from = std::numeric_limits<int64_t>::min();
  while (true) {
    // Read a page, then write it: never update the table under an open cursor.
    std::vector<std::pair<int64_t, std::string>> changed;
    int64_t last = 0;
    int rows = 0;
    page.Reset();
    page.Bind(1, from);
    while (true) {
      ASSIGN_OR_RETURN(bool row, page.Step());
      if (!row) break;
      ++rows;
      last = page.Int(0);
      const int64_t workspace_id = page.Int(1);
      nlohmann::json doc = nlohmann::json::parse(page.Text(2), nullptr, false);
      if (!doc.is_object()) continue;  // unreadable documents are left to the profile codec
      bool touched = false;
      auto version = doc.find("v");
      if (version != doc.end() && version->is_number()) {
        auto prov = doc.find("m");
        if (prov == doc.end() || !prov->is_array()) continue;
        for (nlohmann::json& p : *prov) {
          if (p.is_array() && p.size() == 4) touched = renumber(&p[2], workspace_id) || touched;
        }
      } else {
        for (nlohmann::json& a : doc) {
          if (!a.is_object()) continue;
          auto r = a.find("r");
          if (r != a.end()) touched = renumber(&*r, workspace_id) || touched;
        }
      }
      if (touched) {
        changed.emplace_back(last,
                             doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      }
    }
    page.Reset();
    for (const auto& [mpid, text] : changed) {
      update.Reset();
      update.Bind(1, mpid).Bind(2, text);
      RETURN_IF_ERROR(update.Run());
    }
    if (rows == 0 || last == std::numeric_limits<int64_t>::max()) break;
    from = last + 1;
  }
  return core::Status::Ok();
}

}  // namespace

int64_t LatestSchemaVersion() { return static_cast<int64_t>(Migrations().size()); }

core::Status Migrate(Db* db) {
  // Processes (or threads) opening a fresh file together can meet SQLite's lock where the busy
  // handler does not reach (seen under load: "database is locked" with four at once). The
  // migration is one transaction that rolled back, so it is retried whole.
  for (int attempt = 1;; ++attempt) {
    core::Status s = MigrateTo(db, LatestSchemaVersion());
    if (s.ok() || s.code() != core::StatusCode::kUnavailable || attempt >= 40) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(25 * attempt));
  }
}

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
