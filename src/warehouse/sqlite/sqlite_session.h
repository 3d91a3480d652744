// One locked-down, read-only connection to a warehouse file (SPEC §2, §12). Model SQL comes from
// API clients, so SQLite runs it as an untrusted-query engine: the file is confined first
// (sqlite_paths.h) and opened without following symlinks; the connection is defensive
// (SQLITE_DBCONFIG_DEFENSIVE, trusted_schema off, no fts3_tokenizer, no extension loading,
// query_only), an authorizer lets through only reads and an allow-list of functions, and
// sqlite3_limit bounds value sizes, statement size and complexity. A progress handler ends a
// statement that runs past its statement timeout or whose StopToken is cancelled.
//
// Threads: one thread at a time (like the sqlite3 handle it owns). The session must stay at its
// address while open (the handler and authorizer point at it), so it lives behind a unique_ptr.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/stop_token.h"
#include "warehouse/connector.h"
#include "warehouse/sqlite/sqlite_paths.h"

namespace wsync::warehouse {

// Limits on every warehouse connection (reported in docs/security.md).
inline constexpr int kSqliteMaxValueBytes = 16 << 20;  // SQLITE_LIMIT_LENGTH
inline constexpr int kSqliteMaxSqlBytes = 1 << 20;     // SQLITE_LIMIT_SQL_LENGTH
inline constexpr int kSqliteMaxColumns = 2000;         // SQLITE_LIMIT_COLUMN
inline constexpr int kSqliteMaxExprDepth = 500;        // SQLITE_LIMIT_EXPR_DEPTH
inline constexpr int kSqliteMaxCompoundSelect = 200;   // SQLITE_LIMIT_COMPOUND_SELECT
inline constexpr int kSqliteMaxVdbeOps = 1'000'000;    // SQLITE_LIMIT_VDBE_OP
inline constexpr int kSqliteMaxFunctionArgs = 127;     // SQLITE_LIMIT_FUNCTION_ARG
inline constexpr int kSqliteMaxLikePattern = 10'000;   // SQLITE_LIMIT_LIKE_PATTERN_LENGTH
inline constexpr int kSqliteMaxVariables = 100;        // SQLITE_LIMIT_VARIABLE_NUMBER
inline constexpr int kSqliteProgressSteps = 1000;      // VM steps between stop checks

struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

class SqliteSession {
 public:
  // Confines `path` (trusted or not, per `context`), opens it read-only and locks it down.
  static core::StatusOr<std::unique_ptr<SqliteSession>> Open(
      const std::string& path, const SqliteOptions& options, const ConnectorContext& context,
      std::chrono::seconds statement_timeout);
  ~SqliteSession();
  SqliteSession(const SqliteSession&) = delete;
  SqliteSession& operator=(const SqliteSession&) = delete;

  sqlite3* db() const { return db_; }
  // Starts the statement timeout's clock: each connector call (and each batch a stream reads)
  // gets the full timeout.
  void StartStatement();
  core::StatusOr<StmtPtr> Prepare(const std::string& sql);
  // An SQLite result code as a status for the operator; `what` names the step that failed.
  // An interrupt becomes Cancelled / DeadlineExceeded with the reason, an authorizer refusal
  // InvalidArgument naming what was refused.
  core::Status Error(int rc, std::string_view what) const;

 private:
  SqliteSession(std::string path, const core::StopToken* stop, std::chrono::seconds timeout);
  static int OnProgress(void* self);
  static int Authorize(void* self, int action, const char* a1, const char* a2, const char* a3,
                       const char* a4);

  std::string path_;  // as configured, for messages
  sqlite3* db_ = nullptr;
  const core::StopToken* stop_;
  std::chrono::seconds timeout_;
  core::StopToken::Clock::time_point deadline_;
  core::Status interrupted_;  // why OnProgress ended the statement
  std::string denied_;        // what the authorizer refused last
};

}  // namespace wsync::warehouse
