#include "fake_databricks.h"

#include <httplib.h>
#include <sqlite3.h>

#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>

#include "core/time.h"
#include "warehouse/http/base64.h"

namespace wsync::fake_databricks {
namespace {

using nlohmann::json;

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

struct ColumnType {
  std::string name = "STRING";  // type_name
  std::string text = "string";  // type_text
  int precision = 0, scale = 0;
};

ColumnType FromDecltype(const char* decl) {
  if (decl == nullptr) return {};
  const std::string text = decl;
  std::string d = Upper(text);
  ColumnType t{d, text, 0, 0};
  if (size_t p = d.find_first_of("(<"); p != std::string::npos) {
    if (d[p] == '(') {
      t.precision = std::atoi(d.c_str() + p + 1);
      if (size_t c = d.find(',', p); c != std::string::npos) t.scale = std::atoi(d.c_str() + c + 1);
    }
    d = d.substr(0, p);
  }
  static const std::map<std::string, std::string> kNames = {{"TINYINT", "BYTE"},
                                                            {"SMALLINT", "SHORT"},
                                                            {"INT", "INT"},
                                                            {"INTEGER", "INT"},
                                                            {"BIGINT", "LONG"},
                                                            {"FLOAT", "FLOAT"},
                                                            {"DOUBLE", "DOUBLE"},
                                                            {"DECIMAL", "DECIMAL"},
                                                            {"BOOLEAN", "BOOLEAN"},
                                                            {"STRING", "STRING"},
                                                            {"BINARY", "BINARY"},
                                                            {"DATE", "DATE"},
                                                            {"TIMESTAMP", "TIMESTAMP"},
                                                            {"TIMESTAMP_NTZ", "TIMESTAMP_NTZ"},
                                                            {"ARRAY", "ARRAY"},
                                                            {"MAP", "MAP"},
                                                            {"STRUCT", "STRUCT"}};
  auto it = kNames.find(d);
  t.name = it != kNames.end() ? it->second : "STRING";
  return t;
}

// to_timestamp's canonical text: "YYYY-MM-DD HH:MM:SS.ffffff+00:00".
bool LooksLikeCanonicalTs(std::string_view s) {
  return s.size() == 32 && s[4] == '-' && s[10] == ' ' && s[19] == '.' && s.substr(26) == "+00:00";
}

ColumnType FromValue(sqlite3_value* v) {
  switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
      return {"LONG", "bigint", 0, 0};
    case SQLITE_FLOAT:
      return {"DOUBLE", "double", 0, 0};
    case SQLITE_BLOB:
      return {"BINARY", "binary", 0, 0};
    default: {
      std::string_view s(reinterpret_cast<const char*>(sqlite3_value_text(v)),
                         static_cast<size_t>(sqlite3_value_bytes(v)));
      if (LooksLikeCanonicalTs(s)) return {"TIMESTAMP", "timestamp", 0, 0};
      if (s.size() == 10 && core::ParseDate(s)) return {"DATE", "date", 0, 0};
      return {};
    }
  }
}

std::optional<std::string> Wire(const ColumnType& t, sqlite3_stmt* st, int i) {
  const int kind = sqlite3_column_type(st, i);
  if (kind == SQLITE_NULL) return std::nullopt;
  if (kind == SQLITE_BLOB) {
    return warehouse::Base64(std::string_view(static_cast<const char*>(sqlite3_column_blob(st, i)),
                                              static_cast<size_t>(sqlite3_column_bytes(st, i))));
  }
  std::string text = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
  char buf[64];
  if (t.name == "DECIMAL" && kind == SQLITE_FLOAT) {
    std::snprintf(buf, sizeof buf, "%.*f", t.scale, sqlite3_column_double(st, i));
    return std::string(buf);
  }
  if ((t.name == "DOUBLE" || t.name == "FLOAT") && kind == SQLITE_FLOAT) {
    std::snprintf(buf, sizeof buf, "%.17g", sqlite3_column_double(st, i));
    return std::string(buf);
  }
  if (t.name == "BOOLEAN") return std::string(sqlite3_column_int64(st, i) != 0 ? "true" : "false");
  if (t.name == "DATE") return text.substr(0, 10);
  if (t.name == "TIMESTAMP" || t.name == "TIMESTAMP_NTZ") {
    if (auto micros = core::ParseTimestamp(text)) {
      std::string iso = core::FormatTimestamp(*micros);
      if (t.name == "TIMESTAMP_NTZ") iso.pop_back();  // no zone
      return iso;
    }
  }
  return text;
}

struct Failure {
  std::string error_code = "BAD_REQUEST";
  std::string message;
  std::string sql_state;
};

}  // namespace

struct FakeDatabricks::Statement {
  std::string id;
  std::string sql;
  std::string catalog, schema;
  bool external = false;
  std::atomic<bool> cancel{false};
  std::mutex mu;
  std::condition_variable done_cv;
  bool done = false;
  int polls_left = 0;
  std::optional<Failure> failure;
  bool canceled = false;
  std::vector<ColumnType> types;
  std::vector<std::string> names;
  std::vector<json> rows;
  const Options* options = nullptr;
};

namespace {

using Statement = FakeDatabricks::Statement;

std::string ArgText(sqlite3_value* v) {
  const unsigned char* t = sqlite3_value_text(v);
  return t ? reinterpret_cast<const char*>(t) : "";
}

void ToTimestamp(sqlite3_context* ctx, int, sqlite3_value** argv) {
  sqlite3_value* v = argv[0];
  if (sqlite3_value_type(v) == SQLITE_NULL) return sqlite3_result_null(ctx);
  std::optional<int64_t> micros = core::ParseTimestamp(ArgText(v));
  if (!micros) {
    const std::string e = "[CAST_INVALID_INPUT] The value '" + ArgText(v) +
                          "' of the type \"STRING\" cannot be cast to \"TIMESTAMP\" because it is "
                          "malformed. SQLSTATE: 22018";
    return sqlite3_result_error(ctx, e.c_str(), -1);
  }
  const int64_t days = core::FloorDiv(*micros, core::kMicrosPerDay);
  const int64_t rest = *micros - days * core::kMicrosPerDay;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s %02d:%02d:%02d.%06d+00:00",
                core::FormatDate(static_cast<int32_t>(days)).c_str(),
                static_cast<int>(rest / 3'600'000'000), static_cast<int>(rest / 60'000'000 % 60),
                static_cast<int>(rest / 1'000'000 % 60), static_cast<int>(rest % 1'000'000));
  sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

void ToDate(sqlite3_context* ctx, int, sqlite3_value** argv) {
  sqlite3_value* v = argv[0];
  if (sqlite3_value_type(v) == SQLITE_NULL) return sqlite3_result_null(ctx);
  std::optional<int64_t> micros = core::ParseTimestamp(ArgText(v));
  if (!micros) {
    const std::string e = "[CAST_INVALID_INPUT] The value '" + ArgText(v) +
                          "' cannot be cast to \"DATE\" because it is malformed. SQLSTATE: 22018";
    return sqlite3_result_error(ctx, e.c_str(), -1);
  }
  const std::string out =
      core::FormatDate(static_cast<int32_t>(core::FloorDiv(*micros, core::kMicrosPerDay)));
  sqlite3_result_text(ctx, out.c_str(), -1, SQLITE_TRANSIENT);
}

void Current(sqlite3_context* ctx, int, sqlite3_value**) {
  const auto* value = static_cast<const std::string*>(sqlite3_user_data(ctx));
  sqlite3_result_text(ctx, value->c_str(), -1, SQLITE_TRANSIENT);
}

void RaiseError(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const std::string e = "[USER_RAISED_EXCEPTION] " + ArgText(argv[0]) + " SQLSTATE: P0001";
  sqlite3_result_error(ctx, e.c_str(), -1);
}

void SleepSeconds(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto* s = static_cast<Statement*>(sqlite3_user_data(ctx));
  const auto end =
      std::chrono::steady_clock::now() +
      std::chrono::milliseconds(static_cast<int64_t>(sqlite3_value_double(argv[0]) * 1000));
  while (std::chrono::steady_clock::now() < end && !s->cancel) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  sqlite3_result_int(ctx, 1);
}

int Authorize(void* user, int action, const char* a, const char*, const char*, const char*) {
  auto* s = static_cast<Statement*>(user);
  if (action != SQLITE_READ || a == nullptr) return SQLITE_OK;
  return s->options->denied_tables.count(Upper(a)) > 0 ? SQLITE_DENY : SQLITE_OK;
}

int Progress(void* user) { return static_cast<Statement*>(user)->cancel ? 1 : 0; }

// Spark SQL typed literals as the SQLite functions above.
std::string ToSqlite(const std::string& sql) {
  static const std::regex kTimestamp(R"(\bTIMESTAMP '([^']*)')");
  static const std::regex kDate(R"(\bDATE '([^']*)')");
  return std::regex_replace(std::regex_replace(sql, kTimestamp, "to_timestamp('$1')"), kDate,
                            "to_date('$1')");
}

Failure Translate(sqlite3* db, Statement* s, const std::string& sql) {
  const std::string m = sqlite3_errmsg(db);
  if (m.starts_with("[")) {
    Failure f{"BAD_REQUEST", m, ""};
    if (size_t p = m.find("SQLSTATE: "); p != std::string::npos) f.sql_state = m.substr(p + 10, 5);
    return f;
  }
  if (sqlite3_errcode(db) == SQLITE_AUTH) {
    return {"BAD_REQUEST",
            "[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have SELECT on "
            "Table. SQLSTATE: 42501",
            "42501"};
  }
  const int offset = sqlite3_error_offset(db);
  int line = 1, pos = 0;
  for (int i = 0; i < offset && i < static_cast<int>(sql.size()); ++i) {
    if (sql[static_cast<size_t>(i)] == '\n') {
      ++line;
      pos = 0;
    } else {
      ++pos;
    }
  }
  const std::string where = " (line " + std::to_string(line) + ", pos " + std::to_string(pos) + ")";
  if (m.starts_with("near \"")) {
    const std::string token = m.substr(6, m.find('"', 6) - 6);
    return {"BAD_REQUEST",
            "[PARSE_SYNTAX_ERROR] Syntax error at or near '" + token + "'. SQLSTATE: 42601" + where,
            "42601"};
  }
  if (m.starts_with("no such table: ")) {
    return {"BAD_REQUEST",
            "[TABLE_OR_VIEW_NOT_FOUND] The table or view `" + m.substr(15) +
                "` cannot be found. SQLSTATE: 42P01" + where,
            "42P01"};
  }
  if (m.starts_with("no such column: ")) {
    return {"BAD_REQUEST",
            "[UNRESOLVED_COLUMN.WITHOUT_SUGGESTION] A column, variable, or function parameter "
            "with name `" +
                m.substr(16) + "` cannot be resolved. SQLSTATE: 42703" + where,
            "42703"};
  }
  (void)s;
  return {"BAD_REQUEST", "[INTERNAL_ERROR] " + m, "XX000"};
}

void Execute(Statement* s, const std::string& path) {
  sqlite3* db = nullptr;
  std::optional<Failure> failure;
  const std::string sql = ToSqlite(s->sql);
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    failure = Failure{"INTERNAL_ERROR", "cannot open the test database", ""};
  } else {
    sqlite3_create_function(db, "to_timestamp", 1, SQLITE_UTF8, nullptr, ToTimestamp, nullptr,
                            nullptr);
    sqlite3_create_function(db, "to_date", 1, SQLITE_UTF8, nullptr, ToDate, nullptr, nullptr);
    sqlite3_create_function(db, "current_catalog", 0, SQLITE_UTF8, &s->catalog, Current, nullptr,
                            nullptr);
    sqlite3_create_function(db, "current_schema", 0, SQLITE_UTF8, &s->schema, Current, nullptr,
                            nullptr);
    sqlite3_create_function(db, "raise_error", 1, SQLITE_UTF8, nullptr, RaiseError, nullptr,
                            nullptr);
    sqlite3_create_function(db, "sleep_seconds", 1, SQLITE_UTF8, s, SleepSeconds, nullptr, nullptr);
    sqlite3_set_authorizer(db, Authorize, s);
    sqlite3_progress_handler(db, 1000, Progress, s);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      failure = Translate(db, s, sql);
    } else {
      const int n = sqlite3_column_count(st);
      std::vector<bool> known(static_cast<size_t>(n));
      for (int i = 0; i < n; ++i) {
        const char* decl = sqlite3_column_decltype(st, i);
        known[static_cast<size_t>(i)] = decl != nullptr;
        s->types.push_back(decl != nullptr ? FromDecltype(decl) : ColumnType{"NULL", "void", 0, 0});
        s->names.push_back(sqlite3_column_name(st, i));
      }
      int rc;
      while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json row = json::array();
        for (int i = 0; i < n; ++i) {
          const size_t k = static_cast<size_t>(i);
          if (!known[k] && sqlite3_column_type(st, i) != SQLITE_NULL) {
            s->types[k] = FromValue(sqlite3_column_value(st, i));
            known[k] = true;
          }
          std::optional<std::string> w = Wire(s->types[k], st, i);
          row.push_back(w ? json(*w) : json(nullptr));
        }
        s->rows.push_back(std::move(row));
      }
      if (rc != SQLITE_DONE) failure = Translate(db, s, sql);
      sqlite3_finalize(st);
    }
    sqlite3_close(db);
  }
  std::lock_guard<std::mutex> lock(s->mu);
  if (s->cancel) {
    s->canceled = true;
    failure.reset();
  }
  s->failure = std::move(failure);
  if (s->failure || s->canceled) s->rows.clear();
  s->done = true;
  s->done_cv.notify_all();
}

void Reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json; charset=utf-8");
}

size_t Chunks(const Statement& s) {
  const size_t per = std::max<size_t>(s.options->chunk_rows, 1);
  return std::max<size_t>(1, (s.rows.size() + per - 1) / per);
}

json ChunkRows(const Statement& s, size_t chunk) {
  const size_t per = std::max<size_t>(s.options->chunk_rows, 1);
  json d = json::array();
  for (size_t i = chunk * per; i < std::min(s.rows.size(), (chunk + 1) * per); ++i) {
    d.push_back(s.rows[i]);
  }
  return d;
}

// A ResultData for `chunk` of a finished statement.
json ResultData(const Statement& s, size_t chunk, const std::string& base_url) {
  const size_t per = std::max<size_t>(s.options->chunk_rows, 1);
  const json rows = ChunkRows(s, chunk);
  json r = {{"chunk_index", chunk}, {"row_offset", chunk * per}, {"row_count", rows.size()}};
  json next = json::object();
  if (chunk + 1 < Chunks(s)) {
    next = {{"next_chunk_index", chunk + 1},
            {"next_chunk_internal_link",
             "/api/2.0/sql/statements/" + s.id + "/result/chunks/" + std::to_string(chunk + 1)}};
  }
  if (s.external) {
    json link = {{"chunk_index", chunk},
                 {"row_offset", chunk * per},
                 {"row_count", rows.size()},
                 {"byte_count", rows.dump().size()},
                 {"external_link", base_url + "/external/" + s.id + "/" + std::to_string(chunk) +
                                       "?sig=presigned-" + std::to_string(chunk)},
                 {"expiration", "2030-01-01T00:00:00.000Z"}};
    link.update(next);
    r["external_links"] = json::array({link});
  } else {
    r["data_array"] = rows;
  }
  r.update(next);
  return r;
}

json StatementResponse(const Statement& s, const std::string& base_url) {
  json out = {{"statement_id", s.id}};
  if (!s.done || s.polls_left > 0) {
    out["status"] = {{"state", s.done ? "RUNNING" : "PENDING"}};
    return out;
  }
  if (s.canceled) {
    out["status"] = {{"state", "CANCELED"}};
    return out;
  }
  if (s.failure) {
    out["status"] = {
        {"state", "FAILED"},
        {"error", {{"error_code", s.failure->error_code}, {"message", s.failure->message}}},
        {"sql_state", s.failure->sql_state}};
    return out;
  }
  json columns = json::array();
  for (size_t i = 0; i < s.types.size(); ++i) {
    const ColumnType& t = s.types[i];
    json c = {{"name", s.names[i]}, {"position", i}, {"type_name", t.name}, {"type_text", t.text}};
    if (t.name == "DECIMAL") {
      c["type_precision"] = t.precision;
      c["type_scale"] = t.scale;
    }
    columns.push_back(std::move(c));
  }
  json chunks = json::array();
  const size_t per = std::max<size_t>(s.options->chunk_rows, 1);
  for (size_t c = 0; c < Chunks(s); ++c) {
    chunks.push_back(
        {{"chunk_index", c}, {"row_offset", c * per}, {"row_count", ChunkRows(s, c).size()}});
  }
  out["status"] = {{"state", "SUCCEEDED"}};
  out["manifest"] = {{"format", "JSON_ARRAY"},
                     {"schema", {{"column_count", columns.size()}, {"columns", columns}}},
                     {"total_chunk_count", Chunks(s)},
                     {"chunks", chunks},
                     {"total_row_count", s.rows.size()},
                     {"truncated", false}};
  out["result"] = ResultData(s, 0, base_url);
  return out;
}

}  // namespace

struct FakeDatabricks::Handlers {
  httplib::Server server;
  std::thread thread;
};

FakeDatabricks::FakeDatabricks(Options options)
    : options_(std::move(options)), handlers_(std::make_unique<Handlers>()) {
  expired_left_ = options_.expired_links;
  httplib::Server& svr = handlers_->server;

  // Exchanges are recorded in the order they arrive (a client sends its next request only after
  // the answer to the previous one), then completed by the logger on the same thread.
  static thread_local size_t recording = 0;
  svr.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu_);
    ++in_flight_;  // until the logger has recorded the exchange
    recording = seen_.size();
    seen_.push_back({req.method, req.path, req.get_header_value("Authorization"), 0, ""});
    if (throttle_ > 0) {
      --throttle_;
      res.set_header("Retry-After", std::to_string(throttle_after_s_));
      Reply(res, 429,
            {{"error_code", "TOO_MANY_REQUESTS"}, {"message", "Too many requests. Retry later."}});
      return httplib::Server::HandlerResponse::Handled;
    }
    const std::string auth = req.get_header_value("Authorization");
    if (req.path.starts_with("/external/")) {
      if (!auth.empty()) {  // a presigned URL refuses a second credential
        res.status = 400;
        res.set_content("<Error><Code>InvalidArgument</Code></Error>", "application/xml");
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    }
    if (req.path == "/oidc/v1/token") return httplib::Server::HandlerResponse::Unhandled;
    const std::string bearer = auth.starts_with("Bearer ") ? auth.substr(7) : "";
    const bool ok = !bearer.empty() && ((!options_.token.empty() && bearer == options_.token) ||
                                        access_tokens_.count(bearer) > 0);
    if (ok) return httplib::Server::HandlerResponse::Unhandled;
    Reply(res, 401, {{"error_code", "UNAUTHENTICATED"}, {"message", "Invalid access token."}});
    return httplib::Server::HandlerResponse::Handled;
  });
  svr.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu_);
    if (recording < seen_.size()) {
      seen_[recording].status = res.status;
      seen_[recording].body = req.body;
    }
    --in_flight_;
    recorded_.notify_all();
  });

  svr.Post("/oidc/v1/token", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string expected =
        "Basic " + warehouse::Base64(options_.client_id + ":" + options_.client_secret);
    if (options_.client_id.empty() || req.get_header_value("Authorization") != expected ||
        req.get_param_value("grant_type") != "client_credentials" ||
        req.get_param_value("scope") != "all-apis") {
      return Reply(
          res, 401,
          {{"error", "invalid_client"}, {"error_description", "Client authentication failed"}});
    }
    const std::string token = "dbx-oauth-" + std::to_string(++tokens_issued_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      access_tokens_.insert(token);
    }
    Reply(res, 200,
          {{"access_token", token},
           {"token_type", "Bearer"},
           {"scope", "all-apis"},
           {"expires_in", options_.token_lifetime_s}});
  });

  svr.Post("/api/2.0/sql/statements", [this](const httplib::Request& req, httplib::Response& res) {
    json body = json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body["statement"].is_string() || !body["warehouse_id"].is_string()) {
      return Reply(res, 400,
                   {{"error_code", "INVALID_PARAMETER_VALUE"},
                    {"message", "statement and warehouse_id are required"}});
    }
    const std::string warehouse = body["warehouse_id"];
    if (options_.warehouses.count(warehouse) == 0) {
      return Reply(res, 404,
                   {{"error_code", "RESOURCE_DOES_NOT_EXIST"},
                    {"message", "SQL warehouse " + warehouse + " does not exist."}});
    }
    if (body.value("format", "JSON_ARRAY") != "JSON_ARRAY") {
      return Reply(res, 400,
                   {{"error_code", "INVALID_PARAMETER_VALUE"},
                    {"message", "only JSON_ARRAY is served here"}});
    }
    auto s = std::make_shared<Statement>();
    s->options = &options_;
    s->sql = body["statement"];
    s->catalog = body.value("catalog", "hive_metastore");
    s->schema = body.value("schema", "default");
    s->external = body.value("disposition", "INLINE") == "EXTERNAL_LINKS";
    s->polls_left = options_.pending_polls;
    int wait_s = 10;
    if (body.contains("wait_timeout") && body["wait_timeout"].is_string()) {
      wait_s = std::atoi(body["wait_timeout"].get<std::string>().c_str());
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      char id[64];
      std::snprintf(id, sizeof id, "01ef-0000-%08d", ++next_id_);
      s->id = id;
      statements_.push_back(s->sql);
      running_[s->id] = s;
    }
    if (options_.catalogs.count(s->catalog) == 0) {
      s->failure = Failure{"BAD_REQUEST",
                           "[NO_SUCH_CATALOG_EXCEPTION] Catalog '" + s->catalog +
                               "' was not found. Please verify the catalog name and then retry "
                               "the query or command again. SQLSTATE: 42704",
                           "42704"};
      s->done = true;
    } else if (options_.schemas.count(s->schema) == 0) {
      s->failure = Failure{"BAD_REQUEST",
                           "[SCHEMA_NOT_FOUND] The schema `" + s->catalog + "`.`" + s->schema +
                               "` cannot be found. SQLSTATE: 42704",
                           "42704"};
      s->done = true;
    } else {
      std::lock_guard<std::mutex> lock(mu_);
      workers_.emplace_back(Execute, s.get(), options_.database_path);
    }
    std::unique_lock<std::mutex> lock(s->mu);
    s->done_cv.wait_for(lock, std::chrono::seconds(wait_s), [&] { return s->done; });
    Reply(res, 200, StatementResponse(*s, base_url()));
    if (s->done && s->polls_left > 0) --s->polls_left;
  });

  const auto find = [this](const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = running_.find(id);
    return it != running_.end() ? it->second : nullptr;
  };
  const auto not_found = [](httplib::Response& res) {
    Reply(res, 404,
          {{"error_code", "RESOURCE_DOES_NOT_EXIST"}, {"message", "Statement not found."}});
  };

  svr.Get(R"(/api/2.0/sql/statements/([^/]+))",
          [this, find, not_found](const httplib::Request& req, httplib::Response& res) {
            std::shared_ptr<Statement> s = find(req.matches[1]);
            if (s == nullptr) return not_found(res);
            std::lock_guard<std::mutex> lock(s->mu);
            Reply(res, 200, StatementResponse(*s, base_url()));
            if (s->done && s->polls_left > 0) --s->polls_left;
          });

  svr.Get(R"(/api/2.0/sql/statements/([^/]+)/result/chunks/(\d+))",
          [this, find, not_found](const httplib::Request& req, httplib::Response& res) {
            std::shared_ptr<Statement> s = find(req.matches[1]);
            if (s == nullptr) return not_found(res);
            std::lock_guard<std::mutex> lock(s->mu);
            const size_t chunk = std::stoul(req.matches[2]);
            if (!s->done || s->failure || chunk >= Chunks(*s)) {
              return Reply(
                  res, 400,
                  {{"error_code", "INVALID_PARAMETER_VALUE"}, {"message", "Invalid chunk index."}});
            }
            Reply(res, 200, ResultData(*s, chunk, base_url()));
          });

  svr.Get(R"(/external/([^/]+)/(\d+))", [this, find](const httplib::Request& req,
                                                     httplib::Response& res) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (expired_left_ > 0) {
        --expired_left_;
        res.status = 403;
        res.set_content(
            "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
            "application/xml");
        return;
      }
    }
    std::shared_ptr<Statement> s = find(req.matches[1]);
    const size_t chunk = std::stoul(req.matches[2]);
    if (s == nullptr || req.get_param_value("sig") != "presigned-" + std::to_string(chunk)) {
      res.status = 403;
      return;
    }
    std::lock_guard<std::mutex> lock(s->mu);
    res.set_content(ChunkRows(*s, chunk).dump(), "application/json; charset=utf-8");
  });

  svr.Post(R"(/api/2.0/sql/statements/([^/]+)/cancel)",
           [this, find, not_found](const httplib::Request& req, httplib::Response& res) {
             std::shared_ptr<Statement> s = find(req.matches[1]);
             if (s == nullptr) return not_found(res);
             s->cancel = true;
             ++cancels_;
             Reply(res, 200, json::object());
           });

  port_ = svr.bind_to_any_port("127.0.0.1");
  handlers_->thread = std::thread([this] { handlers_->server.listen_after_bind(); });
  while (!svr.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeDatabricks::~FakeDatabricks() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [id, s] : running_) s->cancel = true;
  }
  handlers_->server.stop();
  if (handlers_->thread.joinable()) handlers_->thread.join();
  for (std::thread& t : workers_) t.join();
}

void FakeDatabricks::ThrottleNext(int count, int retry_after_s) {
  std::lock_guard<std::mutex> lock(mu_);
  throttle_ = count;
  throttle_after_s_ = retry_after_s;
}

std::vector<SeenRequest> FakeDatabricks::requests() const {
  // The logger records an exchange just after its answer is written: wait for those under way.
  std::unique_lock<std::mutex> lock(mu_);
  recorded_.wait_for(lock, std::chrono::seconds(5), [&] { return in_flight_ == 0; });
  return seen_;
}

std::vector<std::string> FakeDatabricks::statements() const {
  std::lock_guard<std::mutex> lock(mu_);
  return statements_;
}

}  // namespace wsync::fake_databricks
