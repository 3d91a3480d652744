#include "storage/sqlite/sqlite_db.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

namespace wsync::db {

namespace {

core::Status FromSqlite(sqlite3* db, int rc, std::string_view what) {
  std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return core::Unavailable("database busy: " + msg);
    case SQLITE_CONSTRAINT:
      return core::AlreadyExists(msg);
    case SQLITE_FULL:
    case SQLITE_NOMEM:
      return core::ResourceExhausted(msg);
    default:
      return core::Internal("database error: " + msg);
  }
}

// How long a writer waits for the database's write lock before it answers "database busy".
constexpr auto kLockWait = std::chrono::seconds(120);

// SQLite's busy handler: sleeps 1, 2, 4 … 32 ms between tries and gives up after kLockWait
// since the first try of this lock attempt (`count` restarts at 0 for each attempt).
int BusyHandler(void* arg, int count) {
  auto* since = static_cast<std::chrono::steady_clock::time_point*>(arg);
  const auto now = std::chrono::steady_clock::now();
  if (count == 0) *since = now;
  if (now - *since >= kLockWait) return 0;
  std::this_thread::sleep_for(std::chrono::milliseconds(1 << std::min(count, 5)));
  return 1;
}

}  // namespace

// The in-process queue of writers of one database file: transactions of every connection of
// this process enter in FIFO order, so threads wait their turn instead of polling SQLite's
// lock (which starves a writer while others commit back to back). Other processes still meet
// at SQLite's lock, through BusyHandler.
class WriteGate {
 public:
  // False when the turn did not come within kLockWait.
  bool Enter() {
    std::unique_lock lock(mu_);
    const uint64_t ticket = next_++;
    waiting_.push_back(ticket);
    const bool turn =
        cv_.wait_for(lock, kLockWait, [&] { return !held_ && waiting_.front() == ticket; });
    if (!turn) {
      std::erase(waiting_, ticket);
      cv_.notify_all();
      return false;
    }
    waiting_.pop_front();
    held_ = true;
    return true;
  }
  void Leave() {
    std::lock_guard lock(mu_);
    held_ = false;
    cv_.notify_all();
  }

  static std::shared_ptr<WriteGate> For(const std::string& path) {
    static std::mutex mu;
    static std::map<std::string, std::weak_ptr<WriteGate>> gates;
    std::error_code ec;
    std::string key = std::filesystem::weakly_canonical(path, ec).string();
    if (ec || key.empty()) key = path;
    std::lock_guard lock(mu);
    std::shared_ptr<WriteGate> gate = gates[key].lock();
    if (!gate) {
      gate = std::make_shared<WriteGate>();
      gates[key] = gate;
    }
    return gate;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
  uint64_t next_ = 0;
  std::deque<uint64_t> waiting_;
};

struct Db::Cache {
  std::map<std::string, Stmt, std::less<>> stmts;
};

Stmt::Stmt(Stmt&& other) noexcept : stmt_(other.stmt_), db_(other.db_) { other.stmt_ = nullptr; }

Stmt& Stmt::operator=(Stmt&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = other.stmt_;
    db_ = other.db_;
    other.stmt_ = nullptr;
  }
  return *this;
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

Stmt& Stmt::Bind(int index, int64_t v) {
  sqlite3_bind_int64(stmt_, index, v);
  return *this;
}
Stmt& Stmt::Bind(int index, std::string_view v) {
  sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::BindUnowned(int index, std::string_view v) {
  sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}
Stmt& Stmt::Bind(int index, double v) {
  sqlite3_bind_double(stmt_, index, v);
  return *this;
}
Stmt& Stmt::Bind(int index, std::nullopt_t) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}
Stmt& Stmt::Bind(int index, const std::optional<int64_t>& v) {
  return v ? Bind(index, *v) : Bind(index, std::nullopt);
}
Stmt& Stmt::Bind(int index, const std::optional<std::string>& v) {
  return v ? Bind(index, std::string_view(*v)) : Bind(index, std::nullopt);
}

core::StatusOr<bool> Stmt::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  core::Status s = FromSqlite(db_, rc, "statement failed");
  sqlite3_reset(stmt_);
  return s;
}

core::Status Stmt::Run() {
  while (true) {
    ASSIGN_OR_RETURN(bool row, Step());
    if (!row) break;
  }
  sqlite3_reset(stmt_);
  return core::Status::Ok();
}

void Stmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Stmt::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
int64_t Stmt::Int(int col) const { return sqlite3_column_int64(stmt_, col); }
double Stmt::Double(int col) const { return sqlite3_column_double(stmt_, col); }
std::string Stmt::Text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col))
           : std::string();
}
std::optional<int64_t> Stmt::OptInt(int col) const {
  return IsNull(col) ? std::nullopt : std::optional(Int(col));
}
std::optional<std::string> Stmt::OptText(int col) const {
  return IsNull(col) ? std::nullopt : std::optional(Text(col));
}

Db::Db(sqlite3* db, std::string path)
    : db_(db),
      path_(std::move(path)),
      cache_(std::make_unique<Cache>()),
      gate_(WriteGate::For(path_)),
      busy_since_(std::make_unique<std::chrono::steady_clock::time_point>()) {}

Db::~Db() {
  if (holds_gate_) Rollback();
  cache_.reset();  // finalize statements before closing
  sqlite3_close(db_);
}

core::StatusOr<std::unique_ptr<Db>> Db::Open(const std::string& path, bool create) {
  sqlite3* handle = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  // SQLite's memory statistics take a global mutex on every allocation; wsync reads none.
  static const int kConfigured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)kConfigured;
  if (create && !path.empty() && path[0] != ':' && path.rfind("file:", 0) != 0) {
    // F16: the database holds personal data and credential hashes: owner-only. SQLite gives
    // the -wal and -shm files the database file's permissions.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
  }
  int rc = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
  if (rc != SQLITE_OK) {
    core::Status s = core::Unavailable("cannot open database '" + path + "': " +
                                       (handle ? sqlite3_errmsg(handle) : sqlite3_errstr(rc)));
    sqlite3_close(handle);
    return s;
  }
  auto db = std::unique_ptr<Db>(new Db(handle, path));
  sqlite3_busy_handler(handle, BusyHandler, db->busy_since_.get());
  const std::string setup =
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
      "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=" +
      std::to_string(kAutoCheckpointPages);
  // Several connections switching a fresh file to WAL at once can meet its lock where the busy
  // handler does not reach ("database is locked"); the pragmas are idempotent, so retry them.
  for (int attempt = 1;; ++attempt) {
    core::Status s = db->Exec(setup);
    if (s.ok()) break;
    if (s.code() != core::StatusCode::kUnavailable || attempt >= 40) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(25 * attempt));
  }
  return db;
}

core::Status Db::Exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return FromSqlite(nullptr, rc, "statement failed: " + msg);
  }
  return core::Status::Ok();
}

core::StatusOr<Stmt> Db::Prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return FromSqlite(db_, rc, "prepare failed");
  return Stmt(stmt, db_);
}

core::StatusOr<Stmt*> Db::Cached(std::string_view sql) {
  auto it = cache_->stmts.find(sql);
  if (it == cache_->stmts.end()) {
    ASSIGN_OR_RETURN(Stmt stmt, Prepare(sql));
    it = cache_->stmts.emplace(std::string(sql), std::move(stmt)).first;
  }
  it->second.Reset();
  return &it->second;
}

core::Status Db::Begin() {
  if (!holds_gate_) {
    if (!gate_->Enter()) {
      return core::Unavailable("database busy: other writers of '" + path_ +
                               "' held it for over 120 s");
    }
    holds_gate_ = true;
  }
  core::Status s = Exec("BEGIN IMMEDIATE");
  if (!s.ok()) LeaveGate();
  return s;
}

core::Status Db::Commit() {
  core::Status s = Exec("COMMIT");
  if (s.ok() || !InTransaction()) LeaveGate();
  return s;
}

void Db::Rollback() {
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  LeaveGate();
}

void Db::LeaveGate() {
  if (!holds_gate_) return;
  holds_gate_ = false;
  gate_->Leave();
}
int64_t Db::LastInsertId() const { return sqlite3_last_insert_rowid(db_); }
int Db::Changes() const { return sqlite3_changes(db_); }
bool Db::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

}  // namespace wsync::db
