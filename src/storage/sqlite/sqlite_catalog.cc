#include "storage/sqlite/sqlite_catalog.h"

#include <random>

#include "catalog/secrets.h"
#include "core/utf8.h"

namespace wsync::catalog {

namespace {

using nlohmann::json;

std::string KindKey(Kind kind) { return std::string(KindCollection(kind)); }

std::string NewId(Kind kind) {
  static const char* kPrefix[] = {"conn", "model", "ft", "pipeline"};
  static thread_local std::mt19937_64 rng(std::random_device{}());
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s-%08llx", kPrefix[static_cast<int>(kind)],
                static_cast<unsigned long long>(rng() & 0xffffffffULL));
  return buf;
}

constexpr std::string_view kRunColumns =
    "run_id, workspace_id, pipeline_id, run_type, state, logical_date, range_start, range_end, "
    "created_at, started_at, ended_at, records_extracted, records_mapped, records_unchanged, "
    "records_skipped, records_failed, profiles_created, profiles_updated, identity_conflicts, "
    "events_created, batches_forwarded, row_errors_total, error, spec, records_duplicate, "
    "lease_owner";

// Column `col` of `s`, a typed state stored under its name. A name this version does not know
// (written by a newer one, or by hand) is a database that is not as expected: an error naming
// the column, never a silent default.
template <typename E>
core::StatusOr<E> ReadEnum(const db::Stmt& s, int col, std::string_view column,
                           std::optional<E> (*parse)(std::string_view)) {
  const std::string text = s.Text(col);
  std::optional<E> value = parse(text);
  if (!value) {
    return core::Internal("the catalog's " + std::string(column) + " holds " +
                          core::QuoteForMessage(text) + ", which this version does not know");
  }
  return *value;
}

core::StatusOr<Run> ReadRun(db::Stmt& s) {
  Run r;
  r.run_id = s.Int(0);
  r.workspace_id = s.Int(1);
  r.pipeline_id = s.Text(2);
  ASSIGN_OR_RETURN(r.run_type, ReadEnum(s, 3, "runs.run_type", ParseRunType));
  ASSIGN_OR_RETURN(r.state, ReadEnum(s, 4, "runs.state", ParseRunState));
  r.logical_date = s.OptInt(5);
  r.range_start = s.OptText(6);
  r.range_end = s.OptText(7);
  r.created_at = s.Int(8);
  r.started_at = s.OptInt(9);
  r.ended_at = s.OptInt(10);
  core::RunCounters& c = r.counters;
  int64_t* fields[] = {&c.records_extracted, &c.records_mapped,     &c.records_unchanged,
                       &c.records_skipped,   &c.records_failed,     &c.profiles_created,
                       &c.profiles_updated,  &c.identity_conflicts, &c.events_created,
                       &c.batches_forwarded, &c.row_errors_total};
  for (int i = 0; i < 11; ++i) *fields[i] = s.Int(11 + i);
  r.error = s.OptText(22);
  r.spec = json::parse(s.Text(23), nullptr, false);
  c.records_duplicate = s.Int(24);
  r.lease_owner = s.OptText(25);
  return r;
}

}  // namespace

core::StatusOr<std::unique_ptr<SqliteCatalog>> SqliteCatalog::Open(
    const std::string& path, const core::Clock* clock, const warehouse::Registry* providers,
    const core::SecretBox* secrets) {
  if (providers == nullptr) return core::Internal("a catalog needs the provider registry");
  ASSIGN_OR_RETURN(auto db, db::Db::Open(path));
  return OnConnection(std::move(db), clock, providers, secrets);
}

std::unique_ptr<SqliteCatalog> SqliteCatalog::OnConnection(std::shared_ptr<db::Db> db,
                                                           const core::Clock* clock,
                                                           const warehouse::Registry* providers,
                                                           const core::SecretBox* secrets) {
  return std::unique_ptr<SqliteCatalog>(
      new SqliteCatalog(std::move(db), clock, providers, secrets));
}

core::StatusOr<Resource> SqliteCatalog::Write(int64_t workspace_id, Kind kind, json body,
                                              const std::string& actor,
                                              const std::string* replace_id) {
  if (replace_id) {
    if (body.is_object() && body.contains("id") && body["id"] != *replace_id) {
      return core::Status::InvalidField(
          "id", "does not match the id in the path ('" + *replace_id + "')");
    }
    if (body.is_object()) body["id"] = *replace_id;
  }
  ASSIGN_OR_RETURN(json canonical, Canonicalize(kind, body, *providers_));
  std::string id = canonical.value("id", "");
  if (id.empty()) id = NewId(kind);
  canonical["id"] = id;
  if (kind == Kind::kConnection || kind == Kind::kPipeline) {
    // "********" sent back keeps the stored secret; new secrets are sealed before storage, bound
    // to this workspace and resource.
    std::optional<Resource> old;
    if (replace_id) {
      ASSIGN_OR_RETURN(old, Get(workspace_id, kind, id));
    }
    const SecretScope scope{workspace_id, kind, id};
    if (kind == Kind::kConnection) {
      RETURN_IF_ERROR(SealSecrets(*providers_, canonical["service_provider"].get<std::string>(),
                                  scope, &canonical["config"], old ? &old->body["config"] : nullptr,
                                  secrets_));
    } else {
      RETURN_IF_ERROR(SealOutputSecrets(scope, &canonical["outputs"],
                                        old ? &old->body["outputs"] : nullptr, secrets_));
    }
  }
  int64_t now = clock_->NowMicros();
  core::Status s = db::InTransaction(db_.get(), [&]() -> core::Status {
    if (replace_id) {
      ASSIGN_OR_RETURN(db::Stmt up,
                       db_->Prepare("UPDATE resources SET body = ?4, version = version + 1, "
                                    "last_modified_on = ?5, last_modified_by = ?6 WHERE "
                                    "workspace_id = ?1 AND kind = ?2 AND id = ?3"));
      up.Bind(1, workspace_id).Bind(2, KindKey(kind)).Bind(3, id).Bind(4, canonical.dump());
      up.Bind(5, now).Bind(6, actor);
      RETURN_IF_ERROR(up.Run());
      if (db_->Changes() == 0) {
        return core::NotFound(std::string(KindName(kind)) + " '" + id + "' not found");
      }
      return core::Status::Ok();
    }
    ASSIGN_OR_RETURN(db::Stmt ins,
                     db_->Prepare("INSERT INTO resources (workspace_id, kind, id, body, "
                                  "created_on, created_by, last_modified_on, last_modified_by) "
                                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5, ?6)"));
    ins.Bind(1, workspace_id).Bind(2, KindKey(kind)).Bind(3, id).Bind(4, canonical.dump());
    ins.Bind(5, now).Bind(6, actor);
    core::Status st = ins.Run();
    if (st.code() == core::StatusCode::kAlreadyExists) {
      return core::AlreadyExists(std::string(KindName(kind)) + " '" + id + "' already exists");
    }
    RETURN_IF_ERROR(st);
    if (kind == Kind::kPipeline) {
      ASSIGN_OR_RETURN(db::Stmt state,
                       db_->Prepare("INSERT OR IGNORE INTO pipeline_state (workspace_id, "
                                    "pipeline_id) VALUES (?1, ?2)"));
      state.Bind(1, workspace_id).Bind(2, id);
      RETURN_IF_ERROR(state.Run());
    }
    return core::Status::Ok();
  });
  RETURN_IF_ERROR(s);
  return Get(workspace_id, kind, id);
}

core::StatusOr<Resource> SqliteCatalog::Create(int64_t workspace_id, Kind kind, json body,
                                               const std::string& actor) {
  return Write(workspace_id, kind, std::move(body), actor, nullptr);
}

core::StatusOr<Resource> SqliteCatalog::Replace(int64_t workspace_id, Kind kind,
                                                const std::string& id, json body,
                                                const std::string& actor) {
  RETURN_IF_ERROR(Get(workspace_id, kind, id).status());
  return Write(workspace_id, kind, std::move(body), actor, &id);
}

core::StatusOr<Resource> SqliteCatalog::Get(int64_t workspace_id, Kind kind,
                                            const std::string& id) {
  ASSIGN_OR_RETURN(db::Stmt s,
                   db_->Prepare("SELECT body, version, created_on, created_by, last_modified_on, "
                                "last_modified_by FROM resources WHERE workspace_id = ?1 AND "
                                "kind = ?2 AND id = ?3"));
  s.Bind(1, workspace_id).Bind(2, KindKey(kind)).Bind(3, id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return core::NotFound(std::string(KindName(kind)) + " '" + id + "' not found");
  Resource r;
  r.workspace_id = workspace_id;
  r.kind = kind;
  r.id = id;
  r.body = json::parse(s.Text(0), nullptr, false);
  r.version = s.Int(1);
  r.audit = Audit{s.Int(2), s.Text(3), s.Int(4), s.Text(5)};
  return r;
}

core::Status SqliteCatalog::MarkConnectionTrusted(int64_t workspace_id,
                                                  const std::string& connection_id) {
  ASSIGN_OR_RETURN(db::Stmt up, db_->Prepare("UPDATE resources SET body = json_set(body, "
                                             "'$.trusted', json('true')) WHERE workspace_id = ?1 "
                                             "AND kind = ?2 AND id = ?3"));
  up.Bind(1, workspace_id).Bind(2, KindKey(Kind::kConnection)).Bind(3, connection_id);
  RETURN_IF_ERROR(up.Run());
  if (db_->Changes() == 0) {
    return core::NotFound("connection '" + connection_id + "' not found");
  }
  return core::Status::Ok();
}

core::StatusOr<ResourcePage> SqliteCatalog::List(int64_t workspace_id, Kind kind, Page page) {
  ResourcePage out;
  ASSIGN_OR_RETURN(db::Stmt count, db_->Prepare("SELECT count(*) FROM resources WHERE "
                                                "workspace_id = ?1 AND kind = ?2"));
  count.Bind(1, workspace_id).Bind(2, KindKey(kind));
  ASSIGN_OR_RETURN(bool has, count.Step());
  out.total = has ? count.Int(0) : 0;
  ASSIGN_OR_RETURN(db::Stmt s, db_->Prepare("SELECT id FROM resources WHERE workspace_id = ?1 "
                                            "AND kind = ?2 ORDER BY id LIMIT ?3 OFFSET ?4"));
  s.Bind(1, workspace_id).Bind(2, KindKey(kind)).Bind(3, page.page_size);
  s.Bind(4, (page.page - 1) * page.page_size);
  std::vector<std::string> ids;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    ids.push_back(s.Text(0));
  }
  for (const std::string& id : ids) {
    ASSIGN_OR_RETURN(Resource r, Get(workspace_id, kind, id));
    out.items.push_back(std::move(r));
  }
  return out;
}

core::Status SqliteCatalog::Delete(int64_t workspace_id, Kind kind, const std::string& id) {
  RETURN_IF_ERROR(Get(workspace_id, kind, id).status());
  static const char* kRefField[] = {"connection_id", "data_model_id", "field_transformation_id"};
  return db::InTransaction(db_.get(), [&]() -> core::Status {
    if (kind == Kind::kConnection) {
      ASSIGN_OR_RETURN(db::Stmt st, db_->Prepare("DELETE FROM connection_state WHERE "
                                                 "workspace_id = ?1 AND connection_id = ?2"));
      st.Bind(1, workspace_id).Bind(2, id);
      RETURN_IF_ERROR(st.Run());
    }
    if (kind != Kind::kPipeline) {
      ASSIGN_OR_RETURN(db::Stmt refs,
                       db_->Prepare("SELECT id FROM resources WHERE workspace_id = ?1 AND kind = "
                                    "'pipelines' AND json_extract(body, ?2) = ?3 ORDER BY id"));
      refs.Bind(1, workspace_id)
          .Bind(2, std::string("$.") + kRefField[static_cast<int>(kind)])
          .Bind(3, id);
      ASSIGN_OR_RETURN(bool row, refs.Step());
      if (row) {
        return core::Status(core::StatusCode::kFailedPrecondition,
                            std::string(KindName(kind)) + " '" + id + "' is in use by pipeline '" +
                                refs.Text(0) + "'; delete or change that pipeline first",
                            core::Reason::kInUse);
      }
    } else {
      ASSIGN_OR_RETURN(auto active, ActiveRuns(workspace_id, id, true));
      if (!active.empty()) {
        return core::FailedPrecondition("pipeline '" + id + "' has run " +
                                        std::to_string(active.front().run_id) +
                                        " in progress; cancel it first");
      }
      ASSIGN_OR_RETURN(db::Stmt d, db_->Prepare("DELETE FROM pipeline_state WHERE "
                                                "workspace_id = ?1 AND pipeline_id = ?2"));
      d.Bind(1, workspace_id).Bind(2, id);
      RETURN_IF_ERROR(d.Run());
    }
    ASSIGN_OR_RETURN(db::Stmt del, db_->Prepare("DELETE FROM resources WHERE workspace_id = ?1 "
                                                "AND kind = ?2 AND id = ?3"));
    del.Bind(1, workspace_id).Bind(2, KindKey(kind)).Bind(3, id);
    return del.Run();
  });
}

core::StatusOr<PipelineState> SqliteCatalog::GetState(int64_t workspace_id,
                                                      const std::string& pipeline_id) {
  ASSIGN_OR_RETURN(db::Stmt s,
                   db_->Prepare("SELECT state, status, errors, high_water_mark, activated_at, "
                                "last_slot FROM pipeline_state WHERE workspace_id = ?1 AND "
                                "pipeline_id = ?2"));
  s.Bind(1, workspace_id).Bind(2, pipeline_id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return core::NotFound("pipeline '" + pipeline_id + "' not found");
  PipelineState st;
  ASSIGN_OR_RETURN(st.state, ReadEnum(s, 0, "pipeline_state.state", ParseLifecycle));
  ASSIGN_OR_RETURN(st.status, ReadEnum(s, 1, "pipeline_state.status", ParseHealth));
  st.errors = json::parse(s.Text(2), nullptr, false);
  st.high_water_mark = s.OptText(3);
  st.activated_at = s.OptInt(4);
  st.last_slot = s.OptInt(5);
  return st;
}

core::StatusOr<StateChangeResult> SqliteCatalog::ChangeState(int64_t workspace_id,
                                                             const std::string& pipeline_id,
                                                             const StateChange& change) {
  StateChangeResult result;
  int64_t run_id = 0;
  // BEGIN IMMEDIATE holds the write lock from the read of the state to the commit, so two
  // concurrent changes are serialised and only one finds the state it expects.
  RETURN_IF_ERROR(db::InTransaction(db_.get(), [&]() -> core::Status {
    ASSIGN_OR_RETURN(PipelineState st, GetState(workspace_id, pipeline_id));
    result.state = st.state;
    bool allowed = false;
    for (Lifecycle from : change.from) allowed = allowed || from == st.state;
    if (!allowed) return core::Status::Ok();
    if (change.require_idle) {
      ASSIGN_OR_RETURN(auto active, ActiveRuns(workspace_id, pipeline_id, false));
      if (!active.empty()) {
        result.busy_run = std::move(active.front());
        return core::Status::Ok();
      }
    }
    ASSIGN_OR_RETURN(db::Stmt s, db_->Prepare("UPDATE pipeline_state SET state = ?3, "
                                              "activated_at = coalesce(?4, activated_at), "
                                              "high_water_mark = CASE WHEN ?5 THEN NULL ELSE "
                                              "high_water_mark END WHERE workspace_id = ?1 AND "
                                              "pipeline_id = ?2 AND state = ?6"));
    s.Bind(1, workspace_id).Bind(2, pipeline_id).Bind(3, Name(change.to.value_or(st.state)));
    s.Bind(4, change.activated_at);
    s.Bind(5, int64_t{change.reset_mark ? 1 : 0}).Bind(6, Name(st.state));
    RETURN_IF_ERROR(s.Run());
    if (db_->Changes() != 1) return core::Internal("pipeline state changed inside a transaction");
    if (change.run) {
      ASSIGN_OR_RETURN(run_id, InsertRun(*change.run));
    }
    result.applied = true;
    return core::Status::Ok();
  }));
  if (run_id != 0) {
    ASSIGN_OR_RETURN(Run run, GetRun(workspace_id, run_id));
    result.run = std::move(run);
  }
  return result;
}

core::StatusOr<ConnectionState> SqliteCatalog::GetConnectionState(
    int64_t workspace_id, const std::string& connection_id) {
  ASSIGN_OR_RETURN(db::Stmt s, db_->Prepare("SELECT state, status, errors, verified_at FROM "
                                            "connection_state WHERE workspace_id = ?1 AND "
                                            "connection_id = ?2"));
  s.Bind(1, workspace_id).Bind(2, connection_id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  ConnectionState st;
  if (!row) return st;
  ASSIGN_OR_RETURN(st.state, ReadEnum(s, 0, "connection_state.state", ParseVerifyState));
  ASSIGN_OR_RETURN(st.status, ReadEnum(s, 1, "connection_state.status", ParseHealth));
  st.errors = json::parse(s.Text(2), nullptr, false);
  st.verified_at = s.OptInt(3);
  return st;
}

core::Status SqliteCatalog::PutConnectionState(int64_t workspace_id,
                                               const std::string& connection_id,
                                               const ConnectionState& st) {
  ASSIGN_OR_RETURN(db::Stmt s,
                   db_->Prepare("INSERT OR REPLACE INTO connection_state (workspace_id, "
                                "connection_id, state, status, errors, verified_at) VALUES "
                                "(?1, ?2, ?3, ?4, ?5, ?6)"));
  s.Bind(1, workspace_id).Bind(2, connection_id).Bind(3, Name(st.state)).Bind(4, Name(st.status));
  s.Bind(5, st.errors.dump()).Bind(6, st.verified_at);
  return s.Run();
}

core::Status SqliteCatalog::SetHealth(int64_t workspace_id, const std::string& pipeline_id,
                                      Health status, const json& errors) {
  ASSIGN_OR_RETURN(db::Stmt s, db_->Prepare("UPDATE pipeline_state SET status = ?3, errors = ?4 "
                                            "WHERE workspace_id = ?1 AND pipeline_id = ?2"));
  s.Bind(1, workspace_id).Bind(2, pipeline_id).Bind(3, Name(status)).Bind(4, errors.dump());
  return s.Run();
}

core::Status SqliteCatalog::SetLastSlot(int64_t workspace_id, const std::string& pipeline_id,
                                        int64_t slot) {
  ASSIGN_OR_RETURN(db::Stmt s, db_->Prepare("UPDATE pipeline_state SET last_slot = ?3 WHERE "
                                            "workspace_id = ?1 AND pipeline_id = ?2"));
  s.Bind(1, workspace_id).Bind(2, pipeline_id).Bind(3, slot);
  return s.Run();
}

core::StatusOr<std::vector<LivePipeline>> SqliteCatalog::LivePipelines() {
  ASSIGN_OR_RETURN(db::Stmt s,
                   db_->Prepare("SELECT workspace_id, pipeline_id FROM pipeline_state WHERE "
                                "state IN ('active', 'paused') ORDER BY workspace_id, "
                                "pipeline_id"));
  std::vector<LivePipeline> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back({s.Int(0), s.Text(1), {}});
  }
  for (LivePipeline& p : out) {
    ASSIGN_OR_RETURN(p.state, GetState(p.workspace_id, p.pipeline_id));
  }
  return out;
}

core::StatusOr<int64_t> SqliteCatalog::InsertRun(const Run& run) {
  // The workspace's next number, read and written under the transaction's write lock (the
  // caller's); runs are never deleted, so numbers are never reused.
  ASSIGN_OR_RETURN(db::Stmt s,
                   db_->Prepare("INSERT INTO runs (workspace_id, run_id, pipeline_id, run_type, "
                                "state, logical_date, range_start, range_end, created_at, spec, "
                                "slot) VALUES (?1, (SELECT coalesce(max(run_id), 0) + 1 FROM runs "
                                "WHERE workspace_id = ?1), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                                "CASE WHEN ?3 IN ('scheduled', 'once') THEN ?5 END) "
                                "RETURNING run_id"));
  s.Bind(1, run.workspace_id).Bind(2, run.pipeline_id).Bind(3, Name(run.run_type));
  s.Bind(4, Name(run.state));
  s.Bind(5, run.logical_date).Bind(6, run.range_start).Bind(7, run.range_end);
  s.Bind(8, run.created_at).Bind(9, run.spec.dump());
  core::StatusOr<bool> row = s.Step();
  if (row.status().code() == core::StatusCode::kAlreadyExists) {
    // runs_one_active: a queued or running non-historical run of this pipeline exists;
    // runs_one_per_slot: another scheduler already queued this slot.
    return core::FailedPrecondition("pipeline '" + run.pipeline_id + "' is busy");
  }
  RETURN_IF_ERROR(row.status());
  if (!*row) return core::Internal("inserting a run returned no run id");
  const int64_t run_id = s.Int(0);
  RETURN_IF_ERROR(s.Run());  // completes the statement
  return run_id;
}

core::StatusOr<Run> SqliteCatalog::CreateRun(const Run& run) {
  int64_t run_id = 0;
  RETURN_IF_ERROR(db::InTransaction(db_.get(), [&]() -> core::Status {
    ASSIGN_OR_RETURN(run_id, InsertRun(run));
    return core::Status::Ok();
  }));
  return GetRun(run.workspace_id, run_id);
}

core::StatusOr<std::vector<Run>> SqliteCatalog::QueryRuns(
    const std::string& where, const std::function<void(db::Stmt&)>& bind) {
  ASSIGN_OR_RETURN(db::Stmt s,
                   db_->Prepare("SELECT " + std::string(kRunColumns) + " FROM runs " + where));
  bind(s);
  std::vector<Run> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(Run run, ReadRun(s));
    out.push_back(std::move(run));
  }
  return out;
}

core::StatusOr<Run> SqliteCatalog::GetRun(int64_t workspace_id, int64_t run_id) {
  ASSIGN_OR_RETURN(auto runs,
                   QueryRuns("WHERE workspace_id = ?1 AND run_id = ?2",
                             [&](db::Stmt& s) { s.Bind(1, workspace_id).Bind(2, run_id); }));
  if (runs.empty()) return core::NotFound("run " + std::to_string(run_id) + " not found");
  return std::move(runs.front());
}

core::StatusOr<std::vector<Run>> SqliteCatalog::ListRuns(int64_t workspace_id,
                                                         const std::string& pipeline_id,
                                                         const RunFilter& filter, Page page,
                                                         int64_t* total) {
  std::string where = "WHERE workspace_id = ?1 AND pipeline_id = ?2";
  if (filter.from) where += " AND created_at >= ?3";
  if (filter.to) where += " AND created_at < ?4";
  auto bind = [&](db::Stmt& s) {
    s.Bind(1, workspace_id).Bind(2, pipeline_id);
    if (filter.from) s.Bind(3, *filter.from);
    if (filter.to) s.Bind(4, *filter.to);
  };
  ASSIGN_OR_RETURN(db::Stmt count, db_->Prepare("SELECT count(*) FROM runs " + where));
  bind(count);
  ASSIGN_OR_RETURN(bool has, count.Step());
  *total = has ? count.Int(0) : 0;
  return QueryRuns(where + " ORDER BY run_id DESC LIMIT ?5 OFFSET ?6", [&](db::Stmt& s) {
    bind(s);
    s.Bind(5, page.page_size).Bind(6, (page.page - 1) * page.page_size);
  });
}

core::StatusOr<std::vector<Run>> SqliteCatalog::ActiveRuns(int64_t workspace_id,
                                                           const std::string& pipeline_id,
                                                           bool include_historical) {
  std::string where =
      "WHERE workspace_id = ?1 AND pipeline_id = ?2 AND state IN ('queued', 'running')";
  if (!include_historical) where += " AND run_type <> 'historical'";
  return QueryRuns(where + " ORDER BY run_id",
                   [&](db::Stmt& s) { s.Bind(1, workspace_id).Bind(2, pipeline_id); });
}

core::StatusOr<std::vector<Run>> SqliteCatalog::UnfinishedRuns() {
  // The global key orders the queue oldest first across workspaces.
  return QueryRuns("WHERE state IN ('queued', 'running') ORDER BY run_key", [](db::Stmt&) {});
}

core::Status SqliteCatalog::SetRunState(int64_t workspace_id, int64_t run_id, RunState state,
                                        std::optional<std::string> error, int64_t now) {
  ASSIGN_OR_RETURN(
      db::Stmt s,
      db_->Prepare("UPDATE runs SET state = ?2, error = ?3, "
                   "started_at = CASE WHEN ?2 = 'running' THEN ?4 ELSE started_at END, "
                   "ended_at = CASE WHEN ?2 IN ('succeeded', 'failed', 'cancelled') THEN ?4 "
                   "ELSE ended_at END WHERE run_id = ?1 AND workspace_id = ?5"));
  s.Bind(1, run_id).Bind(2, Name(state)).Bind(3, error).Bind(4, now).Bind(5, workspace_id);
  RETURN_IF_ERROR(s.Run());
  if (db_->Changes() == 0) return core::NotFound("run " + std::to_string(run_id) + " not found");
  return core::Status::Ok();
}

core::Status SqliteCatalog::RecordCheckpoint(int64_t workspace_id, const RunCheckpoint& cp) {
  // The run is the scope's own (its id counts per workspace); row errors hang off its internal
  // key.
  ASSIGN_OR_RETURN(
      db::Stmt * run,
      db_->Cached("UPDATE runs SET records_extracted = ?2, records_mapped = ?3, "
                  "records_unchanged = ?4, records_skipped = ?5, records_failed = ?6, "
                  "profiles_created = ?7, profiles_updated = ?8, identity_conflicts = ?9, "
                  "events_created = ?10, row_errors_total = ?12, "
                  "records_duplicate = ?14 WHERE run_id = ?1 AND workspace_id = ?13 "
                  "RETURNING run_key"));
  const core::RunCounters& c = cp.counters;
  run->Bind(1, cp.run_id)
      .Bind(2, c.records_extracted)
      .Bind(3, c.records_mapped)
      .Bind(4, c.records_unchanged)
      .Bind(5, c.records_skipped)
      .Bind(6, c.records_failed)
      .Bind(7, c.profiles_created)
      .Bind(8, c.profiles_updated)
      .Bind(9, c.identity_conflicts)
      .Bind(10, c.events_created)
      .Bind(12, c.row_errors_total)
      .Bind(13, workspace_id)
      .Bind(14, c.records_duplicate);
  ASSIGN_OR_RETURN(bool found, run->Step());
  if (!found) return core::NotFound("run " + std::to_string(cp.run_id) + " does not exist");
  const int64_t run_key = run->Int(0);
  RETURN_IF_ERROR(run->Run());  // completes the statement
  if (!cp.row_errors.empty()) {
    ASSIGN_OR_RETURN(db::Stmt * err,
                     db_->Cached("INSERT INTO row_errors (run_key, seq, row, key, column_name, "
                                 "code, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    int64_t seq = cp.row_error_seq;
    for (const mapping::RowError& e : cp.row_errors) {
      err->Reset();
      err->Bind(1, run_key)
          .Bind(2, seq++)
          .Bind(3, e.row)
          .Bind(4, e.key)
          .Bind(5, e.column)
          .Bind(6, Name(e.code))
          .Bind(7, e.message);
      RETURN_IF_ERROR(err->Run());
    }
  }
  if (cp.high_water_mark) {
    ASSIGN_OR_RETURN(db::Stmt * mark,
                     db_->Cached("UPDATE pipeline_state SET high_water_mark = ?2 WHERE "
                                 "pipeline_id = ?1 AND workspace_id = ?3"));
    mark->Bind(1, cp.pipeline_id).Bind(2, *cp.high_water_mark).Bind(3, workspace_id);
    RETURN_IF_ERROR(mark->Run());
  }
  return core::Status::Ok();
}

core::StatusOr<std::vector<mapping::RowError>> SqliteCatalog::RowErrors(int64_t workspace_id,
                                                                        int64_t run_id, Page page,
                                                                        int64_t* total) {
  // Row errors hang off the run's internal key.
  constexpr std::string_view kRun =
      "run_key = (SELECT run_key FROM runs WHERE workspace_id = ?1 AND run_id = ?2)";
  ASSIGN_OR_RETURN(db::Stmt count,
                   db_->Prepare("SELECT count(*) FROM row_errors WHERE " + std::string(kRun)));
  count.Bind(1, workspace_id).Bind(2, run_id);
  ASSIGN_OR_RETURN(bool has, count.Step());
  *total = has ? count.Int(0) : 0;
  ASSIGN_OR_RETURN(db::Stmt s,
                   db_->Prepare("SELECT row, key, column_name, code, message FROM row_errors "
                                "WHERE " +
                                std::string(kRun) + " ORDER BY seq LIMIT ?3 OFFSET ?4"));
  s.Bind(1, workspace_id).Bind(2, run_id);
  s.Bind(3, page.page_size).Bind(4, (page.page - 1) * page.page_size);
  std::vector<mapping::RowError> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(mapping::RowErrorCode code,
                     ReadEnum(s, 3, "row_errors.code", mapping::ParseRowErrorCode));
    out.push_back({s.Int(0), s.Text(1), s.Text(2), code, s.Text(4)});
  }
  return out;
}

core::StatusOr<bool> SqliteCatalog::ClaimRun(int64_t workspace_id, int64_t run_id,
                                             const std::string& owner, int64_t now,
                                             int64_t lease_until) {
  ASSIGN_OR_RETURN(db::Stmt s, db_->Prepare("UPDATE runs SET state = 'running', started_at = ?3, "
                                            "lease_owner = ?4, lease_expires_at = ?5 WHERE "
                                            "workspace_id = ?1 AND run_id = ?2 AND state = "
                                            "'queued'"));
  s.Bind(1, workspace_id).Bind(2, run_id).Bind(3, now).Bind(4, owner).Bind(5, lease_until);
  RETURN_IF_ERROR(s.Run());
  return db_->Changes() == 1;
}

core::StatusOr<std::vector<Catalog::RenewedLease>> SqliteCatalog::RenewLeases(
    const std::string& owner, int64_t lease_until) {
  ASSIGN_OR_RETURN(db::Stmt s, db_->Prepare("UPDATE runs SET lease_expires_at = ?2 WHERE "
                                            "lease_owner = ?1 AND state = 'running' "
                                            "RETURNING workspace_id, run_id, cancel_requested"));
  s.Bind(1, owner).Bind(2, lease_until);
  std::vector<RenewedLease> renewed;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    renewed.push_back({s.Int(0), s.Int(1), s.Int(2) != 0});
  }
  return renewed;
}

core::StatusOr<bool> SqliteCatalog::RequestCancel(int64_t workspace_id, int64_t run_id,
                                                  int64_t now) {
  ASSIGN_OR_RETURN(db::Stmt s,
                   db_->Prepare("UPDATE runs SET cancel_requested = 1, "
                                "state = CASE state WHEN 'queued' THEN 'cancelled' ELSE state END, "
                                "ended_at = CASE state WHEN 'queued' THEN ?3 ELSE ended_at END "
                                "WHERE workspace_id = ?1 AND run_id = ?2 AND state IN ('queued', "
                                "'running') RETURNING state"));
  s.Bind(1, workspace_id).Bind(2, run_id).Bind(3, now);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) {
    ASSIGN_OR_RETURN(Run run, GetRun(workspace_id, run_id));
    return core::FailedPrecondition(
        "run " + std::to_string(run_id) + " has already " +
        (run.state == RunState::kCancelled ? "been cancelled" : std::string(Name(run.state))));
  }
  core::StatusOr<RunState> state = ReadEnum(s, 0, "runs.state", ParseRunState);
  RETURN_IF_ERROR(s.Run());  // completes the statement
  RETURN_IF_ERROR(state.status());
  return *state == RunState::kCancelled;
}

core::StatusOr<int> SqliteCatalog::ExpireLeases(
    int64_t lease_now, int64_t now, const std::function<bool(const std::string&)>& dead) {
  ASSIGN_OR_RETURN(db::Stmt running, db_->Prepare("SELECT workspace_id, run_id, lease_owner, "
                                                  "lease_expires_at FROM runs WHERE state = "
                                                  "'running'"));
  struct Gone {
    int64_t workspace_id;
    int64_t run_id;
    std::optional<std::string> owner;
  };
  std::vector<Gone> gone;
  while (true) {
    ASSIGN_OR_RETURN(bool row, running.Step());
    if (!row) break;
    std::optional<std::string> owner = running.OptText(2);
    std::optional<int64_t> until = running.OptInt(3);
    if (!owner || !until || *until < lease_now || dead(*owner)) {
      gone.push_back({running.Int(0), running.Int(1), owner});
    }
  }
  int ended = 0;
  for (const Gone& g : gone) {
    // Only if the same holder still has it: a renewal in between means it is alive after all.
    ASSIGN_OR_RETURN(db::Stmt s, db_->Prepare("UPDATE runs SET state = 'failed', error = "
                                              "'interrupted', ended_at = ?3 WHERE workspace_id "
                                              "= ?1 AND run_id = ?2 AND state = 'running' AND "
                                              "lease_owner IS ?4 AND (?4 IS NULL OR "
                                              "lease_expires_at IS NULL OR "
                                              "lease_expires_at < ?5 OR ?6)"));
    s.Bind(1, g.workspace_id).Bind(2, g.run_id).Bind(3, now).Bind(4, g.owner).Bind(5, lease_now);
    s.Bind(6, static_cast<int64_t>(g.owner && dead(*g.owner)));
    RETURN_IF_ERROR(s.Run());
    ended += db_->Changes() > 0 ? 1 : 0;
  }
  return ended;
}

}  // namespace wsync::catalog
