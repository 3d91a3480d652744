#include "warehouse/sqlite/sqlite_session.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <iterator>

namespace wsync::warehouse {
namespace {

// A warehouse file written by another process may be locked for a moment.
constexpr int kBusyTimeoutMs = 5000;

// The functions a data model may call: SQLite's core scalar, aggregate, window, date, JSON and
// math functions. Everything else is refused — fts3_tokenizer (leaks and takes raw pointers),
// load_extension, the shell's readfile/writefile/edit, sqlite_compileoption_*, FTS/R-tree
// helpers, last_insert_rowid/changes (meaningless on a read-only connection).
constexpr std::string_view kAllowedFunctions[] = {
    // scalar
    "abs", "char", "coalesce", "concat", "concat_ws", "format", "glob", "hex", "ifnull", "iif",
    "instr", "length", "like", "likelihood", "likely", "lower", "ltrim", "max", "min", "nullif",
    "octet_length", "printf", "quote", "random", "randomblob", "replace", "round", "rtrim", "sign",
    "soundex", "substr", "substring", "trim", "typeof", "unhex", "unicode", "unistr", "unlikely",
    "upper", "zeroblob",
    // aggregate
    "avg", "count", "group_concat", "string_agg", "sum", "total", "json_group_array",
    "json_group_object", "jsonb_group_array", "jsonb_group_object",
    // window
    "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
    "first_value", "last_value", "nth_value",
    // date and time
    "date", "time", "datetime", "julianday", "unixepoch", "strftime", "timediff", "current_date",
    "current_time", "current_timestamp",
    // JSON
    "json", "jsonb", "json_array", "jsonb_array", "json_array_length", "json_error_position",
    "json_extract", "jsonb_extract", "json_insert", "jsonb_insert", "json_object", "jsonb_object",
    "json_patch", "jsonb_patch", "json_pretty", "json_quote", "json_remove", "jsonb_remove",
    "json_replace", "jsonb_replace", "json_set", "jsonb_set", "json_type", "json_valid", "->",
    "->>",
    // math
    "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "ceil", "ceiling", "cos", "cosh",
    "degrees", "exp", "floor", "ln", "log", "log10", "log2", "mod", "pi", "pow", "power", "radians",
    "sin", "sinh", "sqrt", "tan", "tanh", "trunc"};

// Table-valued pragmas that only describe the warehouse's schema. Every other pragma_* table
// (database_list shows file paths, compile_options, function_list, ...) is refused.
constexpr std::string_view kAllowedPragmaTables[] = {
    "pragma_table_info", "pragma_table_xinfo", "pragma_table_list",      "pragma_index_list",
    "pragma_index_info", "pragma_index_xinfo", "pragma_foreign_key_list"};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

template <size_t N>
bool Contains(const std::string_view (&list)[N], std::string_view name) {
  return std::find(std::begin(list), std::end(list), name) != std::end(list);
}

// Eponymous virtual tables that expose more than the warehouse's data.
bool IsForbiddenTable(std::string_view table) {
  if (table.starts_with("pragma_")) return !Contains(kAllowedPragmaTables, table);
  return table == "sqlite_dbpage" || table == "sqlite_stmt";
}

}  // namespace

SqliteSession::SqliteSession(std::string path, const core::StopToken* stop,
                             std::chrono::seconds timeout)
    : path_(std::move(path)), stop_(stop), timeout_(timeout) {
  StartStatement();
}

SqliteSession::~SqliteSession() { sqlite3_close_v2(db_); }

core::StatusOr<std::unique_ptr<SqliteSession>> SqliteSession::Open(
    const std::string& path, const SqliteOptions& options, const ConnectorContext& context,
    std::chrono::seconds statement_timeout) {
  ASSIGN_OR_RETURN(ConfinedFile file, ConfineSqlitePath(path, options, context.trusted));
  // Opened once by hand first: O_NOFOLLOW refuses a symlink swapped in since the check and
  // O_NONBLOCK keeps a FIFO from hanging; the identity must be the file that was checked.
  int fd = open(file.real_path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (!context.trusted) return SqliteFileUnavailable(path, options);
    if (errno == EACCES) {
      return core::PermissionDenied("SQLite database '" + path + "' is not readable by wsync");
    }
    return core::Unavailable("SQLite database '" + path + "' cannot be opened");
  }
  struct stat st;
  const bool same =
      fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_dev == file.dev && st.st_ino == file.ino;
  close(fd);
  if (!same) {
    if (!context.trusted) return SqliteFileUnavailable(path, options);
    return core::Unavailable("SQLite database '" + path + "' changed while it was opened");
  }

  std::unique_ptr<SqliteSession> session(new SqliteSession(path, context.stop, statement_timeout));
  // No SQLITE_OPEN_CREATE: a wrong path must fail, not leave an empty database behind. The
  // real path starts with '/', so it is never read as a "file:" URI.
  int rc = sqlite3_open_v2(file.real_path.c_str(), &session->db_,
                           SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, nullptr);
  if (rc != SQLITE_OK) return session->Error(rc, "opening the SQLite database");
  sqlite3* db = session->db_;
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  int off = 0;
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, &off);
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0, &off);
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, &off);
  sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, &off);
  sqlite3_limit(db, SQLITE_LIMIT_LENGTH, kSqliteMaxValueBytes);
  sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, kSqliteMaxSqlBytes);
  sqlite3_limit(db, SQLITE_LIMIT_COLUMN, kSqliteMaxColumns);
  sqlite3_limit(db, SQLITE_LIMIT_EXPR_DEPTH, kSqliteMaxExprDepth);
  sqlite3_limit(db, SQLITE_LIMIT_COMPOUND_SELECT, kSqliteMaxCompoundSelect);
  sqlite3_limit(db, SQLITE_LIMIT_VDBE_OP, kSqliteMaxVdbeOps);
  sqlite3_limit(db, SQLITE_LIMIT_FUNCTION_ARG, kSqliteMaxFunctionArgs);
  sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
  sqlite3_limit(db, SQLITE_LIMIT_LIKE_PATTERN_LENGTH, kSqliteMaxLikePattern);
  sqlite3_limit(db, SQLITE_LIMIT_VARIABLE_NUMBER, kSqliteMaxVariables);
  sqlite3_limit(db, SQLITE_LIMIT_TRIGGER_DEPTH, 1);
  sqlite3_limit(db, SQLITE_LIMIT_WORKER_THREADS, 0);
  // Behind the read-only file and the SQL guard: no writes even to the temp schema.
  rc = sqlite3_exec(db, "PRAGMA query_only = ON; PRAGMA trusted_schema = OFF", nullptr, nullptr,
                    nullptr);
  if (rc != SQLITE_OK) return session->Error(rc, "opening the SQLite database");
  // Last: the pragmas above are the only statements that are not reads.
  sqlite3_set_authorizer(db, &SqliteSession::Authorize, session.get());
  sqlite3_progress_handler(db, kSqliteProgressSteps, &SqliteSession::OnProgress, session.get());
  // The identity again, now that SQLite holds the file open: a swap in between shows here.
  struct stat now;
  if (stat(file.real_path.c_str(), &now) != 0 || now.st_dev != file.dev || now.st_ino != file.ino) {
    if (!context.trusted) return SqliteFileUnavailable(path, options);
    return core::Unavailable("SQLite database '" + path + "' changed while it was opened");
  }
  return session;
}

void SqliteSession::StartStatement() {
  deadline_ = core::StopToken::Clock::now() + timeout_;
  interrupted_ = core::Status::Ok();
  denied_.clear();
}

int SqliteSession::OnProgress(void* arg) {
  auto* self = static_cast<SqliteSession*>(arg);
  if (self->stop_ != nullptr) {
    core::Status s = self->stop_->Check();
    if (!s.ok()) {
      self->interrupted_ = std::move(s);
      return 1;
    }
  }
  if (core::StopToken::Clock::now() >= self->deadline_) {
    self->interrupted_ =
        core::DeadlineExceeded("the data model ran longer than its " +
                               std::to_string(self->timeout_.count()) + " s statement timeout");
    return 1;
  }
  return 0;
}

int SqliteSession::Authorize(void* arg, int action, const char* a1, const char* a2,
                             const char* /*a3*/, const char* /*a4*/) {
  auto* self = static_cast<SqliteSession*>(arg);
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_RECURSIVE:
      return SQLITE_OK;
    case SQLITE_READ: {
      std::string table = Lower(a1 != nullptr ? a1 : "");
      if (!IsForbiddenTable(table)) return SQLITE_OK;
      self->denied_ = "the table '" + table + "'";
      return SQLITE_DENY;
    }
    case SQLITE_FUNCTION: {
      std::string name = Lower(a2 != nullptr ? a2 : "");
      if (Contains(kAllowedFunctions, name)) return SQLITE_OK;
      self->denied_ = "the function '" + name + "'";
      return SQLITE_DENY;
    }
    case SQLITE_UPDATE:
      // SQLite checks this while it declares an eponymous virtual table (json_each,
      // pragma_table_info); the file is read-only and the connection defensive and query_only,
      // so nothing can be written to the schema either way.
      if (a1 != nullptr && Lower(a1) == "sqlite_master") return SQLITE_OK;
      self->denied_ = "UPDATE";
      return SQLITE_DENY;
    case SQLITE_PRAGMA: {
      // Reading an allowed pragma_* table runs its PRAGMA; no model can run one directly (the
      // SQL guard wants SELECT or WITH first).
      std::string name = Lower(a1 != nullptr ? a1 : "");
      if (Contains(kAllowedPragmaTables, "pragma_" + name)) return SQLITE_OK;
      self->denied_ = "PRAGMA " + name;
      return SQLITE_DENY;
    }
    default:
      self->denied_ = "anything but reading (SQLite action " + std::to_string(action) + ")";
      return SQLITE_DENY;
  }
}

core::StatusOr<StmtPtr> SqliteSession::Prepare(const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr);
  StmtPtr stmt(raw);
  if (rc != SQLITE_OK) return Error(rc, "SQLite rejected the data model");
  if (stmt == nullptr) return core::InvalidArgument("the data model is empty");
  return stmt;
}

core::Status SqliteSession::Error(int rc, std::string_view what) const {
  std::string detail = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  std::string where = "SQLite database '" + path_ + "'";
  // The authorizer's refusal may surface as SQLITE_AUTH or as a plain error (a virtual table
  // that could not be set up), so what it refused is named whenever it refused something.
  if ((rc & 0xff) == SQLITE_AUTH || (!denied_.empty() && (rc & 0xff) != SQLITE_INTERRUPT)) {
    return core::InvalidArgument(std::string(what) + ": " + detail +
                                 " (a data model may only read, and may not use " +
                                 (denied_.empty() ? std::string("that") : denied_) + ")");
  }
  switch (rc & 0xff) {
    case SQLITE_INTERRUPT:
      if (!interrupted_.ok()) return interrupted_;
      return core::Cancelled(std::string(what) + ": " + detail);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return core::Unavailable(where + " is busy (" + detail + "); try again later");
    case SQLITE_NOTADB:
      return core::InvalidArgument("'" + path_ + "' is not a SQLite database (" + detail + ")");
    case SQLITE_CORRUPT:
      return core::InvalidArgument(where + " is damaged: " + detail);
    case SQLITE_TOOBIG:
      return core::InvalidArgument(std::string(what) + ": " + detail + " (a value may hold at " +
                                   "most " + std::to_string(kSqliteMaxValueBytes >> 20) + " MB)");
    case SQLITE_PERM:
    case SQLITE_READONLY:
      return core::PermissionDenied(std::string(what) + ": " + detail);
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_NOMEM:
    case SQLITE_FULL:
      return core::Unavailable(where + " cannot be read: " + detail);
    default:
      return core::InvalidArgument(std::string(what) + ": " + detail);
  }
}

}  // namespace wsync::warehouse
