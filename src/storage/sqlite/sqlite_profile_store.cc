#include "storage/sqlite/sqlite_profile_store.h"

#include <algorithm>
#include <future>

#include "profiles/profile_codec.h"

namespace wsync::profiles {

namespace {

// Holds one read transaction over a batch of lookups: outside a transaction SQLite takes and
// drops its file locks for every statement, which costs more than the lookups themselves.
class ReadTransaction {
 public:
  explicit ReadTransaction(db::Db* db)
      : db_(db), open_(!db->InTransaction() && db->Exec("BEGIN").ok()) {}
  ~ReadTransaction() {
    if (open_) db_->Rollback();  // nothing was written: this only ends the read
  }

 private:
  db::Db* db_;
  bool open_;
};

constexpr std::string_view kProfileColumns =
    "mpid, environment, identities, attributes, created_at, updated_at, updated_run";

// Inserts `n` rows of `columns` values through statements of kRowsPerInsert value tuples:
// one statement runs its rows with one open cursor, where a statement per row pays for
// opening and closing it each time. `bind_row(stmt, first_param, i)` binds row i. `changed`,
// when given, receives the number of rows inserted or updated.
template <typename BindRow>
core::Status InsertRows(db::Db* db, std::string_view head, int columns, std::string_view tail,
                        size_t n, const BindRow& bind_row, int64_t* changed = nullptr) {
  constexpr size_t kRowsPerInsert = 64;
  auto sql = [&](size_t rows) {
    std::string tuple = "(";
    for (int c = 0; c < columns; ++c) tuple.append(c == 0 ? "?" : ",?");
    tuple.push_back(')');
    std::string out(head);
    out.append(" VALUES ");
    for (size_t r = 0; r < rows; ++r) {
      if (r > 0) out.push_back(',');
      out.append(tuple);
    }
    out.append(tail);
    return out;
  };
  // Full chunks use the 64-row statement, the rest the one-row one: two statements a table.
  // Run resets a statement and every parameter is bound again, so each is fetched once.
  db::Stmt* many = nullptr;
  db::Stmt* one = nullptr;
  for (size_t i = 0; i < n;) {
    const size_t rows = n - i >= kRowsPerInsert ? kRowsPerInsert : 1;
    db::Stmt*& stmt = rows == 1 ? one : many;
    if (stmt == nullptr) {
      ASSIGN_OR_RETURN(stmt, db->Cached(sql(rows)));
    }
    for (size_t r = 0; r < rows; ++r) bind_row(stmt, static_cast<int>(r) * columns + 1, i + r);
    RETURN_IF_ERROR(stmt->Run());
    if (changed != nullptr) *changed += db->Changes();
    i += rows;
  }
  return core::Status::Ok();
}

}  // namespace

core::StatusOr<std::unique_ptr<SqliteProfileStore>> SqliteProfileStore::Open(
    const std::string& path) {
  ASSIGN_OR_RETURN(auto db, db::Db::Open(path));
  auto store = std::unique_ptr<SqliteProfileStore>(new SqliteProfileStore(std::move(db)));
  // Syncs commit large batches here: their WAL checkpoints overlap with the next batch.
  ASSIGN_OR_RETURN(store->checkpointer_, db::BackgroundCheckpointer::Start(store->db_.get()));
  return store;
}

std::unique_ptr<SqliteProfileStore> SqliteProfileStore::OnConnection(std::shared_ptr<db::Db> db) {
  return std::unique_ptr<SqliteProfileStore>(new SqliteProfileStore(std::move(db)));
}

core::StatusOr<std::unordered_map<IdentityRef, int64_t, IdentityRefHash>>
SqliteProfileStore::LookupIdentities(const Scope& scope, const std::vector<IdentityRef>& keys) {
  ReadTransaction read(db_.get());
  // In-process SQLite has no round trips: one prepared point lookup per key is its fastest
  // batched form.
  ASSIGN_OR_RETURN(db::Stmt * stmt,
                   db_->Cached("SELECT mpid FROM identities WHERE workspace_id = ?1 AND "
                               "environment = ?2 AND type = ?3 AND value = ?4"));
  std::unordered_map<IdentityRef, int64_t, IdentityRefHash> found;
  for (const IdentityRef& key : keys) {
    stmt->Reset();
    stmt->Bind(1, scope.workspace_id)
        .BindUnowned(2, scope.environment)
        .BindUnowned(3, key.type)
        .BindUnowned(4, key.value);
    ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (row) found.emplace(key, stmt->Int(0));
  }
  stmt->Reset();
  return found;
}

core::StatusOr<Profile> SqliteProfileStore::ReadProfile(db::Stmt* stmt) {
  Profile p;
  p.mpid = stmt->Int(0);
  p.environment = stmt->Text(1);
  RETURN_IF_ERROR(DecodeIdentities(stmt->Text(2), &p.identities));
  RETURN_IF_ERROR(DecodeAttributes(stmt->Text(3), &p.attributes));
  p.created_at = stmt->Int(4);
  p.updated_at = stmt->Int(5);
  p.updated_run = stmt->Int(6);
  return p;
}

core::StatusOr<std::unordered_map<int64_t, Profile>> SqliteProfileStore::LoadProfiles(
    const Scope& scope, const std::vector<int64_t>& mpids) {
  ReadTransaction read(db_.get());
  ASSIGN_OR_RETURN(db::Stmt * stmt,
                   db_->Cached("SELECT " + std::string(kProfileColumns) +
                               " FROM profiles WHERE workspace_id = ?1 AND mpid = ?2 AND "
                               "environment = ?3"));
  std::unordered_map<int64_t, Profile> out;
  for (int64_t mpid : mpids) {
    stmt->Reset();
    stmt->Bind(1, scope.workspace_id).Bind(2, mpid).Bind(3, scope.environment);
    ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) continue;
    ASSIGN_OR_RETURN(Profile p, ReadProfile(stmt));
    out.emplace(mpid, std::move(p));
  }
  stmt->Reset();
  return out;
}

core::StatusOr<std::unordered_set<std::string>> SqliteProfileStore::ExistingEvents(
    const Scope& scope, const std::vector<std::string>& keys) {
  ReadTransaction read(db_.get());
  ASSIGN_OR_RETURN(db::Stmt * stmt,
                   db_->Cached("SELECT 1 FROM events WHERE workspace_id = ?1 AND environment = ?2 "
                               "AND dedup_key = ?3"));
  std::unordered_set<std::string> out;
  for (const std::string& key : keys) {
    stmt->Reset();
    stmt->Bind(1, scope.workspace_id).Bind(2, scope.environment).Bind(3, key);
    ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (row) out.insert(key);
  }
  stmt->Reset();
  return out;
}

core::StatusOr<std::unordered_map<std::string, uint64_t>> SqliteProfileStore::LookupFingerprints(
    int64_t workspace_id, const std::string& pipeline_id,
    const std::vector<std::string>& row_keys) {
  ReadTransaction read(db_.get());
  ASSIGN_OR_RETURN(db::Stmt * stmt,
                   db_->Cached("SELECT hash FROM fingerprints WHERE workspace_id = ?1 AND "
                               "pipeline_id = ?2 AND row_key = ?3"));
  std::unordered_map<std::string, uint64_t> out;
  for (const std::string& key : row_keys) {
    stmt->Reset();
    stmt->Bind(1, workspace_id).BindUnowned(2, pipeline_id).BindUnowned(3, key);
    ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (row) out.emplace(key, static_cast<uint64_t>(stmt->Int(0)));
  }
  stmt->Reset();
  return out;
}

core::Status SqliteProfileStore::ClearFingerprints(int64_t workspace_id,
                                                   const std::string& pipeline_id) {
  ASSIGN_OR_RETURN(db::Stmt stmt,
                   db_->Prepare("DELETE FROM fingerprints WHERE workspace_id = ?1 AND "
                                "pipeline_id = ?2"));
  stmt.Bind(1, workspace_id).Bind(2, pipeline_id);
  return stmt.Run();
}

core::StatusOr<int64_t> SqliteProfileStore::ClaimMpids(int64_t count) {
  if (count <= 0) return core::InvalidArgument("ClaimMpids needs a positive count");
  // A random gap below each range keeps mpids from counting other workspaces' profiles.
  ASSIGN_OR_RETURN(db::Stmt * stmt,
                   db_->Cached("UPDATE mpid_allocator SET next_mpid = next_mpid + ?1 + "
                               "(random() & 65535) WHERE id = 1 RETURNING next_mpid - ?1"));
  stmt->Reset();
  stmt->Bind(1, count);
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return core::Internal("mpid_allocator has no row");
  const int64_t first = stmt->Int(0);
  RETURN_IF_ERROR(stmt->Run());  // steps to the end so the update completes
  return first;
}

core::Status SqliteProfileStore::Transaction(const std::function<core::Status()>& fn) {
  return db::InTransaction(db_.get(), fn);
}

core::Status SqliteProfileStore::Apply(const Scope& scope, const ChangeSet& changes) {
  if (!db_->InTransaction()) {
    return Transaction([&] { return Apply(scope, changes); });
  }
  // Writes go in key order: B-tree inserts in order are far cheaper than random ones.
  std::vector<const Profile*> profiles = changes.profiles;
  std::sort(profiles.begin(), profiles.end(),
            [](const Profile* a, const Profile* b) { return a->mpid < b->mpid; });
  // Encoding the documents is CPU work that overlaps with the identity and fingerprint writes
  // when the batch is big enough to pay for a thread.
  struct Docs {
    std::string identities, attributes;
  };
  std::vector<Docs> docs(profiles.size());
  auto encode = [&] {
    for (size_t i = 0; i < profiles.size(); ++i) {
      docs[i] = {EncodeIdentities(profiles[i]->identities),
                 EncodeAttributes(profiles[i]->attributes)};
    }
  };
  constexpr size_t kParallelEncode = 512;
  std::future<void> encoded = profiles.size() >= kParallelEncode
                                  ? std::async(std::launch::async, encode)
                                  : std::async(std::launch::deferred, encode);
  if (!changes.identity_deletes.empty()) {
    ASSIGN_OR_RETURN(db::Stmt * del,
                     db_->Cached("DELETE FROM identities WHERE workspace_id = ?1 AND "
                                 "environment = ?2 AND type = ?3 AND value = ?4"));
    for (const IdentityRef& r : changes.identity_deletes) {
      del->Reset();
      del->Bind(1, scope.workspace_id).Bind(2, scope.environment).Bind(3, r.type).Bind(4, r.value);
      RETURN_IF_ERROR(del->Run());
    }
  }
  std::vector<const std::pair<IdentityRef, int64_t>*> ids;
  ids.reserve(changes.identity_inserts.size());
  for (const auto& i : changes.identity_inserts) ids.push_back(&i);
  std::sort(ids.begin(), ids.end(), [](const auto* a, const auto* b) {
    return std::tie(a->first.value, a->first.type) < std::tie(b->first.value, b->first.type);
  });
  RETURN_IF_ERROR(
      InsertRows(db_.get(), "INSERT INTO identities (workspace_id, environment, type, value, mpid)",
                 5, "", ids.size(), [&](db::Stmt* stmt, int p, size_t i) {
                   stmt->Bind(p, scope.workspace_id)
                       .BindUnowned(p + 1, scope.environment)
                       .BindUnowned(p + 2, ids[i]->first.type)
                       .BindUnowned(p + 3, ids[i]->first.value)
                       .Bind(p + 4, ids[i]->second);
                 }));
  RETURN_IF_ERROR(
      InsertRows(db_.get(),
                 "INSERT OR IGNORE INTO events (workspace_id, environment, dedup_key, mpid, body, "
                 "timestamp_ms, pipeline_id, run_id, created_at)",
                 9, "", changes.events.size(), [&](db::Stmt* stmt, int p, size_t i) {
                   const StoredEvent& e = changes.events[i];
                   stmt->Bind(p, scope.workspace_id)
                       .BindUnowned(p + 1, scope.environment)
                       .BindUnowned(p + 2, e.dedup_key)
                       .Bind(p + 3, e.mpid)
                       .BindUnowned(p + 4, e.body)
                       .Bind(p + 5, e.timestamp_ms)
                       .BindUnowned(p + 6, e.pipeline_id)
                       .Bind(p + 7, e.run_id)
                       .Bind(p + 8, e.created_at);
                 }));
  std::vector<const RowFingerprint*> fps;
  fps.reserve(changes.fingerprints.size());
  for (const auto& f : changes.fingerprints) fps.push_back(&f);
  std::sort(fps.begin(), fps.end(),
            [](const auto* a, const auto* b) { return a->row_key < b->row_key; });
  RETURN_IF_ERROR(InsertRows(
      db_.get(), "INSERT INTO fingerprints (workspace_id, pipeline_id, row_key, hash, mpid)", 5,
      " ON CONFLICT DO UPDATE SET hash = excluded.hash, mpid = excluded.mpid", fps.size(),
      [&](db::Stmt* stmt, int p, size_t i) {
        stmt->Bind(p, scope.workspace_id)
            .BindUnowned(p + 1, changes.pipeline_id)
            .BindUnowned(p + 2, fps[i]->row_key)
            .Bind(p + 3, static_cast<int64_t>(fps[i]->hash))
            .Bind(p + 4, fps[i]->mpid);
      }));
  encoded.wait();
  // mpids are unique across workspaces (ClaimMpids); the update is still scoped, so a clash can
  // only fail the batch, never write over another workspace's or environment's profile.
  int64_t written = 0;
  RETURN_IF_ERROR(InsertRows(
      db_.get(),
      "INSERT INTO profiles (workspace_id, mpid, environment, identities, attributes, "
      "created_at, updated_at, updated_run)",
      8,
      " ON CONFLICT (mpid) DO UPDATE SET identities = excluded.identities, attributes = "
      "excluded.attributes, updated_at = excluded.updated_at, updated_run = "
      "excluded.updated_run WHERE profiles.workspace_id = excluded.workspace_id AND "
      "profiles.environment = excluded.environment",
      profiles.size(),
      [&](db::Stmt* stmt, int p, size_t i) {
        const Profile& profile = *profiles[i];
        stmt->Bind(p, scope.workspace_id)
            .Bind(p + 1, profile.mpid)
            .BindUnowned(p + 2, scope.environment)
            .BindUnowned(p + 3, docs[i].identities)
            .BindUnowned(p + 4, docs[i].attributes)
            .Bind(p + 5, profile.created_at)
            .Bind(p + 6, profile.updated_at)
            .Bind(p + 7, profile.updated_run);
      },
      &written));
  if (written != static_cast<int64_t>(profiles.size())) {
    return core::Internal("profile write refused: " +
                          std::to_string(static_cast<int64_t>(profiles.size()) - written) +
                          " mpid(s) belong to another workspace or environment");
  }
  return core::Status::Ok();
}

core::StatusOr<Profile> SqliteProfileStore::Get(int64_t workspace_id, int64_t mpid) {
  ASSIGN_OR_RETURN(db::Stmt stmt, db_->Prepare("SELECT " + std::string(kProfileColumns) +
                                               " FROM profiles WHERE workspace_id = ?1 AND "
                                               "mpid = ?2"));
  stmt.Bind(1, workspace_id).Bind(2, mpid);
  ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return core::NotFound("profile " + std::to_string(mpid) + " not found");
  return ReadProfile(&stmt);
}

core::StatusOr<ProfilePage> SqliteProfileStore::List(int64_t workspace_id,
                                                     const std::optional<std::string>& environment,
                                                     const std::optional<IdentityRef>& identity,
                                                     int64_t page, int64_t page_size) {
  std::string where = " FROM profiles p WHERE p.workspace_id = ?1";
  if (environment) where += " AND p.environment = ?2";
  if (identity) {
    where +=
        " AND p.mpid IN (SELECT mpid FROM identities i WHERE i.workspace_id = ?1 AND "
        "i.type = ?3 AND i.value = ?4" +
        std::string(environment ? " AND i.environment = ?2" : "") + ")";
  }
  auto bind = [&](db::Stmt& s) {
    s.Bind(1, workspace_id);
    if (environment) s.Bind(2, *environment);
    if (identity) s.Bind(3, identity->type).Bind(4, identity->value);
  };
  ProfilePage out;
  ASSIGN_OR_RETURN(db::Stmt count, db_->Prepare("SELECT count(*)" + where));
  bind(count);
  ASSIGN_OR_RETURN(bool has, count.Step());
  out.total = has ? count.Int(0) : 0;
  ASSIGN_OR_RETURN(db::Stmt rows,
                   db_->Prepare("SELECT p.mpid, p.environment, p.identities, "
                                "p.attributes, p.created_at, p.updated_at, p.updated_run" +
                                where + " ORDER BY p.mpid LIMIT ?5 OFFSET ?6"));
  bind(rows);
  rows.Bind(5, page_size).Bind(6, (page - 1) * page_size);
  while (true) {
    ASSIGN_OR_RETURN(bool row, rows.Step());
    if (!row) break;
    ASSIGN_OR_RETURN(Profile p, ReadProfile(&rows));
    out.items.push_back(std::move(p));
  }
  return out;
}

core::StatusOr<std::vector<StoredEvent>> SqliteProfileStore::Events(int64_t workspace_id,
                                                                    int64_t mpid, int64_t limit) {
  ASSIGN_OR_RETURN(db::Stmt stmt,
                   db_->Prepare("SELECT dedup_key, body, timestamp_ms, pipeline_id, run_id, "
                                "created_at FROM events WHERE workspace_id = ?1 AND mpid = ?2 "
                                "ORDER BY created_at DESC, dedup_key LIMIT ?3"));
  stmt.Bind(1, workspace_id).Bind(2, mpid).Bind(3, limit);
  std::vector<StoredEvent> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    StoredEvent e;
    e.dedup_key = stmt.Text(0);
    e.mpid = mpid;
    e.body = stmt.Text(1);
    e.timestamp_ms = stmt.OptInt(2);
    e.pipeline_id = stmt.Text(3);
    e.run_id = stmt.Int(4);
    e.created_at = stmt.Int(5);
    out.push_back(std::move(e));
  }
  return out;
}

core::Status SqliteProfileStore::Erase(int64_t workspace_id, int64_t mpid) {
  return db::InTransaction(db_.get(), [&]() -> core::Status {
    bool first = true;
    for (const char* sql : {"DELETE FROM profiles WHERE workspace_id = ?1 AND mpid = ?2",
                            "DELETE FROM identities WHERE workspace_id = ?1 AND mpid = ?2",
                            "DELETE FROM events WHERE workspace_id = ?1 AND mpid = ?2",
                            "DELETE FROM fingerprints WHERE workspace_id = ?1 AND mpid = ?2",
                            // Batches not yet forwarded carry the profile's data too.
                            "DELETE FROM outbox WHERE workspace_id = ?1 AND mpid = ?2"}) {
      ASSIGN_OR_RETURN(db::Stmt stmt, db_->Prepare(sql));
      stmt.Bind(1, workspace_id).Bind(2, mpid);
      RETURN_IF_ERROR(stmt.Run());
      if (first && db_->Changes() == 0) {
        return core::NotFound("profile " + std::to_string(mpid) + " not found");
      }
      first = false;
    }
    return core::Status::Ok();
  });
}

}  // namespace wsync::profiles
