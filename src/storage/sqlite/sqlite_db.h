// A thin RAII layer over one SQLite connection: prepared statements, transactions and the
// pragmas wsync wants (WAL). Writers wait their turn: in-process, transactions of every
// connection to one file queue FIFO (a write gate); across processes, a busy handler waits up to
// 120 s for SQLite's write lock. Throws nothing; every failure is a Status naming
// the statement's purpose, never its bound values (they may hold personal data).
//
// Threads: a Db is one connection and must be used by one thread at a time. Open one Db per
// thread that needs the database; WAL lets readers proceed while one writer commits.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace wsync::db {

class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&& other) noexcept;
  ~Stmt();

  // Binding is 1-based like SQLite's.
  Stmt& Bind(int index, int64_t v);
  Stmt& Bind(int index, std::string_view v);
  Stmt& Bind(int index, const char* v) { return Bind(index, std::string_view(v)); }
  Stmt& Bind(int index, const std::string& v) { return Bind(index, std::string_view(v)); }
  Stmt& Bind(int index, double v);
  Stmt& Bind(int index, std::nullopt_t);
  Stmt& Bind(int index, const std::optional<int64_t>& v);
  Stmt& Bind(int index, const std::optional<std::string>& v);
  // Binds text without copying it: `v` must outlive the statement's next Reset. For hot loops.
  Stmt& BindUnowned(int index, std::string_view v);

  // True when a row is ready, false when done.
  core::StatusOr<bool> Step();
  // Steps to completion (for writes).
  core::Status Run();
  void Reset();

  bool IsNull(int col) const;
  int64_t Int(int col) const;
  double Double(int col) const;
  std::string Text(int col) const;
  std::optional<int64_t> OptInt(int col) const;
  std::optional<std::string> OptText(int col) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
};

// WAL pages after which a connection's commit copies the WAL into the database file.
inline constexpr int kAutoCheckpointPages = 16384;

class WriteGate;

class Db {
 public:
  // Opens (creating when allowed) the database file with WAL and a busy timeout.
  static core::StatusOr<std::unique_ptr<Db>> Open(const std::string& path, bool create = true);
  ~Db();

  core::Status Exec(std::string_view sql);
  core::StatusOr<Stmt> Prepare(std::string_view sql);
  // Cached statement: prepared once per connection and reset before it is handed out.
  core::StatusOr<Stmt*> Cached(std::string_view sql);

  // BEGIN IMMEDIATE: take the write lock up front, after this process's earlier writers.
  core::Status Begin();
  core::Status Commit();
  void Rollback();

  int64_t LastInsertId() const;
  int Changes() const;
  bool InTransaction() const;
  sqlite3* handle() { return db_; }
  const std::string& path() const { return path_; }

 private:
  Db(sqlite3* db, std::string path);
  void LeaveGate();
  struct Cache;
  sqlite3* db_;
  std::string path_;
  std::unique_ptr<Cache> cache_;
  std::shared_ptr<WriteGate> gate_;
  bool holds_gate_ = false;
  std::unique_ptr<std::chrono::steady_clock::time_point> busy_since_;  // BusyHandler's clock
};

// Runs `fn` inside BEGIN IMMEDIATE … COMMIT, rolling back when it returns an error. Inside a
// transaction already open on `db` (a storage session's), `fn` joins it: the outer one commits.
template <typename Fn>
core::Status InTransaction(Db* db, Fn&& fn) {
  if (db->InTransaction()) return fn();
  RETURN_IF_ERROR(db->Begin());
  core::Status s = fn();
  if (!s.ok()) {
    db->Rollback();
    return s;
  }
  s = db->Commit();
  if (!s.ok()) db->Rollback();
  return s;
}

}  // namespace wsync::db
