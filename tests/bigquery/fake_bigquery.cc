#include "fake_bigquery.h"

#include <httplib.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sqlite3.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <optional>
#include <random>
#include <regex>

#include "core/time.h"

namespace wsync::fake_bigquery {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr char kScope[] = "https://www.googleapis.com/auth/bigquery";

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Base64(const unsigned char* p, size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), p, static_cast<int>(n));
  out.resize(static_cast<size_t>(len));
  return out;
}

std::string Base64UrlDecode(std::string s) {
  for (char& c : s) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (s.size() % 4 != 0) s += '=';
  std::string out(s.size(), '\0');
  int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  if (n < 0) return "";
  size_t pad = s.ends_with("==") ? 2 : s.ends_with("=") ? 1 : 0;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

EVP_PKEY* LoadPublicKey(const std::string& pem) {
  if (pem.empty()) return nullptr;
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return key;
}

// The error_description of a refused assertion; empty when it is good.
std::string CheckAssertion(EVP_PKEY* key, const std::string& jwt, const Options& o,
                           const std::string& audience) {
  size_t a = jwt.find('.'), b = jwt.rfind('.');
  if (a == std::string::npos || a == b) return "Invalid JWT: malformed token.";
  json header = json::parse(Base64UrlDecode(jwt.substr(0, a)), nullptr, false);
  json claims = json::parse(Base64UrlDecode(jwt.substr(a + 1, b - a - 1)), nullptr, false);
  if (!header.is_object() || header.value("alg", "") != "RS256" || !claims.is_object()) {
    return "Invalid JWT: unsupported token.";
  }
  const std::string sig = Base64UrlDecode(jwt.substr(b + 1));
  const std::string input = jwt.substr(0, b);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok =
      key != nullptr && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return "Invalid JWT Signature.";
  if (claims.value("iss", "") != o.client_email) return "Invalid grant: account not found";
  if (claims.value("aud", "") != audience) return "Invalid JWT: Failed audience check.";
  if (claims.value("scope", "").find(kScope) == std::string::npos) {
    return "Invalid OAuth scope or ID token audience provided.";
  }
  if (!claims["iat"].is_number_integer() || !claims["exp"].is_number_integer()) {
    return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
           "timeframe.";
  }
  // Not compared with this machine's clock: the API tests run wsync on a fake one.
  const int64_t iat = claims["iat"], exp = claims["exp"];
  if (exp <= iat || exp - iat > 3600) {
    return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
           "timeframe.";
  }
  return "";
}

json ErrorBody(int code, const std::string& status, const std::string& reason,
               const std::string& message) {
  return {{"error",
           {{"code", code},
            {"message", message},
            {"errors",
             {{{"message", message},
               {"domain", "global"},
               {"reason", reason},
               {"location", "q"},
               {"locationType", "parameter"}}}},
            {"status", status}}}};
}

void Reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json; charset=UTF-8");
}

struct Failure {
  int http = 400;
  std::string status = "INVALID_ARGUMENT";
  std::string reason = "invalidQuery";
  std::string message;
};

void ReplyFailure(httplib::Response& res, const Failure& f) {
  Reply(res, f.http, ErrorBody(f.http, f.status, f.reason, f.message));
}

// ---- GoogleSQL → SQLite ---------------------------------------------------------------------

// The statement SQLite runs; a Failure when it names a dataset that does not exist.
std::optional<Failure> Translate(const Options& o, const std::string& sql, std::string* out) {
  static const std::regex kCast(R"(CAST\(([^()]*?) AS (TIMESTAMP|DATE|INT64|DATETIME)\))",
                                std::regex::icase);
  static const std::regex kLiteral(R"(\b(TIMESTAMP|DATE) '([^']*)')", std::regex::icase);
  static const std::regex kPath(R"(`([^`]*)`)");
  std::string s = std::regex_replace(sql, kCast, "BQ_$2($1)");
  s = std::regex_replace(s, kLiteral, "BQ_$1('$2')");
  std::string result;
  auto begin = std::sregex_iterator(s.begin(), s.end(), kPath);
  size_t last = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    const std::string name = (*it)[1];
    result += s.substr(last, static_cast<size_t>(it->position()) - last);
    last = static_cast<size_t>(it->position() + it->length());
    std::vector<std::string> parts;
    for (size_t p = 0, q; p <= name.size(); p = q + 1) {
      q = name.find('.', p);
      if (q == std::string::npos) q = name.size();
      parts.push_back(name.substr(p, q - p));
    }
    if (parts.size() >= 2) {
      const std::string project = parts.size() == 3 ? parts[0] : o.project;
      const std::string& dataset = parts[parts.size() - 2];
      if (project != o.project || o.datasets.count(dataset) == 0) {
        return Failure{404, "NOT_FOUND", "notFound",
                       "Not found: Dataset " + project + ":" + dataset +
                           " was not found in location " + o.location};
      }
    }
    result += "\"" + parts.back() + "\"";
  }
  *out = result + s.substr(last);
  return std::nullopt;
}

std::string ArgText(sqlite3_value* v) {
  const unsigned char* t = sqlite3_value_text(v);
  return t ? reinterpret_cast<const char*>(t) : "";
}

// Canonical UTC text that compares in time order: "2024-05-01 00:00:00.000000+00:00".
std::string CanonicalTimestamp(int64_t micros) {
  std::string out = core::FormatTimestamp(micros);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%06lld",
                static_cast<long long>(((micros % 1'000'000) + 1'000'000) % 1'000'000));
  return out.substr(0, 10) + " " + out.substr(11, 8) + frac + "+00:00";
}

bool IsCanonicalTimestamp(std::string_view s) {
  return s.size() == 32 && s[10] == ' ' && s[19] == '.' && s.substr(26) == "+00:00";
}

void ToTimestamp(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(ctx);
  const std::string text = ArgText(argv[0]);
  std::optional<int64_t> micros = core::ParseTimestamp(text);
  if (!micros) {
    const std::string e = "Invalid timestamp: '" + text + "'";
    return sqlite3_result_error(ctx, e.c_str(), -1);
  }
  sqlite3_result_text(ctx, CanonicalTimestamp(*micros).c_str(), -1, SQLITE_TRANSIENT);
}

void ToDate(sqlite3_context* ctx, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(ctx);
  const std::string text = ArgText(argv[0]);
  std::optional<int64_t> micros = core::ParseTimestamp(text);
  if (!micros) {
    const std::string e = "Invalid date: '" + text + "'";
    return sqlite3_result_error(ctx, e.c_str(), -1);
  }
  const std::string out =
      core::FormatDate(static_cast<int32_t>(core::FloorDiv(*micros, core::kMicrosPerDay)));
  sqlite3_result_text(ctx, out.c_str(), -1, SQLITE_TRANSIENT);
}

void ToInt64(sqlite3_context* ctx, int, sqlite3_value** argv) {
  sqlite3_value* v = argv[0];
  switch (sqlite3_value_type(v)) {
    case SQLITE_NULL:
      return sqlite3_result_null(ctx);
    case SQLITE_INTEGER:
      return sqlite3_result_int64(ctx, sqlite3_value_int64(v));
    default: {
      const std::string text = ArgText(v);
      int64_t n = 0;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (text.empty() || ec != std::errc() || p != text.data() + text.size()) {
        const std::string e = "Bad int64 value: " + text;
        return sqlite3_result_error(ctx, e.c_str(), -1);
      }
      return sqlite3_result_int64(ctx, n);
    }
  }
}

// ---- values -----------------------------------------------------------------------------------

struct FieldType {
  std::string type = "STRING";
  bool repeated = false;
};

std::optional<FieldType> FromDecltype(const char* decl) {
  if (decl == nullptr) return std::nullopt;
  std::string d = Upper(decl);
  // "NUMERIC CHAR": SQLite's text affinity keeps every digit (NUMERIC affinity would round).
  if (d.ends_with(" CHAR")) d.resize(d.size() - 5);
  FieldType t;
  if (d.starts_with("REPEATED ")) {
    t.repeated = true;
    d = d.substr(9);
  }
  if (d == "INT64" || d == "INTEGER" || d == "INT" || d == "BIGINT") {
    t.type = "INTEGER";
  } else if (d == "FLOAT64" || d == "FLOAT" || d == "REAL" || d == "DOUBLE") {
    t.type = "FLOAT";
  } else if (d == "BOOL" || d == "BOOLEAN") {
    t.type = "BOOLEAN";
  } else if (d == "STRUCT" || d == "RECORD") {
    t.type = "RECORD";
  } else if (d == "NUMERIC" || d == "BIGNUMERIC" || d == "BYTES" || d == "DATE" ||
             d == "DATETIME" || d == "TIME" || d == "TIMESTAMP" || d == "JSON") {
    t.type = d;
  }
  return t;
}

FieldType FromValue(sqlite3_value* v) {
  switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
      return {"INTEGER", false};
    case SQLITE_FLOAT:
      return {"FLOAT", false};
    case SQLITE_BLOB:
      return {"BYTES", false};
    default: {
      const std::string s = ArgText(v);
      if (IsCanonicalTimestamp(s)) return {"TIMESTAMP", false};
      if (s.size() == 10 && core::ParseDate(s)) return {"DATE", false};
      return {"STRING", false};
    }
  }
}

// BigQuery's text of a FLOAT64 ("1.5", "1.7145216E9"): the shortest digits that read back.
std::string FloatText(double d) {
  char buf[64];
  if (d != 0 && (d >= 1e7 || d <= -1e7 || (d < 1e-3 && d > -1e-3))) {
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string s(buf, end);
    const size_t e = s.find('e');
    std::string mantissa = s.substr(0, e);
    if (mantissa.find('.') == std::string::npos) mantissa += ".0";
    int exp = std::atoi(s.c_str() + e + 1);
    return mantissa + "E" + std::to_string(exp);
  }
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string s(buf, end);
  if (s.find('.') == std::string::npos && s.find('e') == std::string::npos) s += ".0";
  return s;
}

std::string TimestampText(int64_t micros, bool int64_micros) {
  if (int64_micros) return std::to_string(micros);
  return FloatText(static_cast<double>(micros) / 1e6);
}

// A scalar's "v" from its SQLite text / number for BigQuery `type`.
json ScalarWire(const std::string& type, const json& value, bool int64_micros) {
  if (value.is_null()) return nullptr;
  std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  if (type == "BOOLEAN") {
    return std::string(text == "1" || text == "true" ? "true" : "false");
  }
  if (type == "FLOAT" && value.is_number()) return FloatText(value.get<double>());
  if (type == "TIMESTAMP") {
    if (auto micros = core::ParseTimestamp(text)) return TimestampText(*micros, int64_micros);
  }
  if (type == "DATETIME") {
    if (auto micros = core::ParseTimestamp(text)) {
      std::string iso = core::FormatTimestamp(*micros);  // …[.f]Z
      iso.pop_back();
      // BigQuery writes a DATETIME's fraction with all six digits.
      if (iso.size() > 19) iso.resize(26, '0');
      return iso;
    }
  }
  if (type == "TIME" && text.size() > 8 && text[8] == '.') {
    while (text.size() < 15) text += '0';
  }
  return text;
}

json RecordWire(const json& fields, const json& object, bool int64_micros);

json FieldWire(const json& field, const json& value, bool int64_micros) {
  const std::string type = field.value("type", "STRING");
  const bool repeated = field.value("mode", "") == "REPEATED";
  // BigQuery has no NULL array: a REPEATED field without values is [].
  if (value.is_null()) return repeated ? json::array() : json(nullptr);
  const auto one = [&](const json& v) -> json {
    if (type == "RECORD") {
      return v.is_object() ? RecordWire(field["fields"], v, int64_micros) : json(nullptr);
    }
    return ScalarWire(type, v, int64_micros);
  };
  if (repeated) {
    json items = json::array();
    if (value.is_array()) {
      for (const json& v : value) items.push_back({{"v", one(v)}});
    }
    return items;
  }
  return one(value);
}

json RecordWire(const json& fields, const json& object, bool int64_micros) {
  json f = json::array();
  for (const json& field : fields) {
    const std::string name = field.value("name", "");
    f.push_back({{"v", FieldWire(field, object.contains(name) ? object[name] : json(nullptr),
                                 int64_micros)}});
  }
  return {{"f", f}};
}

}  // namespace

struct FakeBigQuery::Job {
  std::string id;
  std::string sql;
  std::string location;
  Clock::time_point deadline;
  int64_t timeout_ms = 0;
  std::atomic<bool> cancel{false};
  std::mutex mu;
  std::condition_variable done_cv;
  bool done = false;
  int polls_left = 0;
  std::optional<Failure> failure;
  json schema = json::array();
  std::vector<std::vector<json>> rows;  // SQLite values: null, numbers, text
  const Options* options = nullptr;
};

namespace {

using Job = FakeBigQuery::Job;

int Authorize(void* user, int action, const char* a, const char*, const char*, const char*) {
  auto* job = static_cast<Job*>(user);
  if (action != SQLITE_READ || a == nullptr) return SQLITE_OK;
  if (std::string_view(a).starts_with("sqlite_")) return SQLITE_OK;
  return job->options->denied_tables.count(Lower(a)) > 0 ? SQLITE_DENY : SQLITE_OK;
}

int Progress(void* user) {
  auto* job = static_cast<Job*>(user);
  return job->cancel || Clock::now() >= job->deadline ? 1 : 0;
}

// "[line:column]" of SQLite's error offset in `sql` (1-based, as BigQuery counts).
std::string Position(sqlite3* db, const std::string& sql) {
  const int offset = sqlite3_error_offset(db);
  int line = 1, column = 1;
  for (int i = 0; i < offset && i < static_cast<int>(sql.size()); ++i) {
    if (sql[static_cast<size_t>(i)] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "[" + std::to_string(line) + ":" + std::to_string(column) + "]";
}

Failure Fail(sqlite3* db, Job* job, const std::string& sql) {
  const std::string m = sqlite3_errmsg(db);
  const std::string table = job->options->project + ":" + *job->options->datasets.begin();
  if (job->cancel) {
    return {400, "INVALID_ARGUMENT", "stopped",
            "Job execution was cancelled: User requested cancellation"};
  }
  if (sqlite3_errcode(db) == SQLITE_INTERRUPT) {
    return {400, "INVALID_ARGUMENT", "timeout",
            "Job execution was cancelled: Job timed out after " +
                std::to_string(job->timeout_ms / 1000) + " sec"};
  }
  if (sqlite3_errcode(db) == SQLITE_AUTH) {
    return {403, "PERMISSION_DENIED", "accessDenied",
            "Access Denied: Table " + table + ": User does not have permission to query table " +
                table + ", or perhaps it does not exist."};
  }
  if (m.starts_with("near \"")) {
    const std::string token = m.substr(6, m.find('"', 6) - 6);
    return {400, "INVALID_ARGUMENT", "invalidQuery",
            "Syntax error: Unexpected identifier \"" + token + "\" at " + Position(db, sql)};
  }
  if (m.starts_with("no such table: ")) {
    return {404, "NOT_FOUND", "notFound",
            "Not found: Table " + table + "." + m.substr(15) + " was not found in location " +
                job->options->location};
  }
  if (m.starts_with("no such column: ")) {
    return {400, "INVALID_ARGUMENT", "invalidQuery",
            "Unrecognized name: " + m.substr(16) + " at " + Position(db, sql)};
  }
  return {400, "INVALID_ARGUMENT", "invalidQuery", m};
}

json SchemaField(const Options& o, const std::string& name, const FieldType& t) {
  json f = {{"name", name}, {"type", t.type}, {"mode", t.repeated ? "REPEATED" : "NULLABLE"}};
  if (t.type == "RECORD") {
    auto it = o.record_fields.find(name);
    f["fields"] = it != o.record_fields.end() ? it->second : json::array();
  }
  return f;
}

json CellValue(sqlite3_stmt* st, int i) {
  switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL:
      return nullptr;
    case SQLITE_INTEGER:
      return sqlite3_column_int64(st, i);
    case SQLITE_FLOAT:
      return sqlite3_column_double(st, i);
    case SQLITE_BLOB: {
      const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(st, i));
      return "b64:" + Base64(p, static_cast<size_t>(sqlite3_column_bytes(st, i)));
    }
    default:
      return std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, i)));
  }
}

void Execute(Job* job, const std::string& path, bool dry_run) {
  sqlite3* db = nullptr;
  std::optional<Failure> failure;
  std::string sql;
  if (auto f = Translate(*job->options, job->sql, &sql)) {
    failure = f;
  } else if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    failure = Failure{500, "INTERNAL", "internalError", "cannot open the test database"};
  } else {
    for (const char* name : {"BQ_TIMESTAMP", "BQ_DATETIME"}) {
      sqlite3_create_function(db, name, 1, SQLITE_UTF8, nullptr, ToTimestamp, nullptr, nullptr);
    }
    sqlite3_create_function(db, "BQ_DATE", 1, SQLITE_UTF8, nullptr, ToDate, nullptr, nullptr);
    sqlite3_create_function(db, "BQ_INT64", 1, SQLITE_UTF8, nullptr, ToInt64, nullptr, nullptr);
    sqlite3_set_authorizer(db, Authorize, job);
    sqlite3_progress_handler(db, 1000, Progress, job);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      failure = Fail(db, job, job->sql);
    } else {
      const int n = sqlite3_column_count(st);
      std::vector<std::optional<FieldType>> types(static_cast<size_t>(n));
      for (int i = 0; i < n; ++i) {
        types[static_cast<size_t>(i)] = FromDecltype(sqlite3_column_decltype(st, i));
      }
      int rc = SQLITE_DONE;
      while (!dry_run && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        std::vector<json> row;
        for (int i = 0; i < n; ++i) {
          const size_t k = static_cast<size_t>(i);
          if (!types[k] && sqlite3_column_type(st, i) != SQLITE_NULL) {
            types[k] = FromValue(sqlite3_column_value(st, i));
          }
          row.push_back(CellValue(st, i));
        }
        job->rows.push_back(std::move(row));
      }
      if (rc != SQLITE_DONE) failure = Fail(db, job, job->sql);
      for (int i = 0; i < n; ++i) {
        job->schema.push_back(SchemaField(*job->options, sqlite3_column_name(st, i),
                                          types[static_cast<size_t>(i)].value_or(FieldType{})));
      }
      sqlite3_finalize(st);
    }
    sqlite3_close(db);
  }
  std::lock_guard<std::mutex> lock(job->mu);
  job->failure = std::move(failure);
  if (job->failure) job->rows.clear();
  job->done = true;
  job->done_cv.notify_all();
}

json RowWire(const Job& job, const std::vector<json>& row, bool int64_micros) {
  json f = json::array();
  for (size_t i = 0; i < row.size(); ++i) {
    const json& field = job.schema[i];
    json value = row[i];
    if (value.is_string() && value.get<std::string>().starts_with("b64:")) {
      value = value.get<std::string>().substr(4);  // BYTES: already base64
    } else if ((field["type"] == "RECORD" || field["mode"] == "REPEATED") && value.is_string()) {
      value = json::parse(value.get<std::string>(), nullptr, false);
      if (value.is_discarded()) value = nullptr;
    }
    f.push_back({{"v", FieldWire(field, value, int64_micros)}});
  }
  return {{"f", f}};
}

std::string PageToken(size_t offset) {
  const std::string text = "offset=" + std::to_string(offset) + "?";
  return Base64(reinterpret_cast<const unsigned char*>(text.data()), text.size());
}

std::optional<size_t> PageOffset(const std::string& token) {
  std::string s = token;
  std::string out(s.size(), '\0');
  int n =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<size_t>(n));
  if (!out.starts_with("offset=")) return std::nullopt;
  return static_cast<size_t>(std::atoll(out.c_str() + 7));
}

json JobReference(const Options& o, const Job& job) {
  return {{"projectId", o.project}, {"jobId", job.id}, {"location", job.location}};
}

// A finished job's page (its lock held) starting at `offset`.
void AnswerPage(const Options& o, const Job& job, const std::string& kind, size_t offset,
                size_t max_results, bool int64_micros, httplib::Response& res) {
  if (job.failure) return ReplyFailure(res, *job.failure);
  const size_t per = std::max<size_t>(1, std::min(max_results, o.page_rows));
  const size_t end = std::min(job.rows.size(), offset + per);
  json body = {{"kind", kind},
               {"jobReference", JobReference(o, job)},
               {"schema", {{"fields", job.schema}}},
               {"totalRows", std::to_string(job.rows.size())},
               {"totalBytesProcessed", "0"},
               {"jobComplete", true},
               {"cacheHit", false}};
  json rows = json::array();
  for (size_t i = offset; i < end; ++i) rows.push_back(RowWire(job, job.rows[i], int64_micros));
  if (!rows.empty()) body["rows"] = std::move(rows);
  if (end < job.rows.size()) body["pageToken"] = PageToken(end);
  if (kind == "bigquery#getQueryResultsResponse") body["etag"] = "\"fake-etag\"";
  Reply(res, 200, body);
}

}  // namespace

struct FakeBigQuery::Handlers {
  httplib::Server server;
  std::thread thread;
  EVP_PKEY* key = nullptr;
  ~Handlers() { EVP_PKEY_free(key); }
};

FakeBigQuery::FakeBigQuery(Options options)
    : options_(std::move(options)), handlers_(std::make_unique<Handlers>()) {
  handlers_->key = LoadPublicKey(options_.public_key_pem);
  httplib::Server& svr = handlers_->server;
  const std::string api = "/bigquery/v2/projects/([^/]+)";

  svr.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu_);
    ++in_flight_;  // until the logger has recorded the exchange
    if (req.path == "/token") return httplib::Server::HandlerResponse::Unhandled;
    if (throttle_ > 0) {
      --throttle_;
      res.set_header("Retry-After", std::to_string(throttle_after_s_));
      const int code = throttle_403_ ? 403 : 429;
      Reply(res, code,
            ErrorBody(code, throttle_403_ ? "PERMISSION_DENIED" : "RESOURCE_EXHAUSTED",
                      "rateLimitExceeded",
                      "Exceeded rate limits: too many api requests per user per method for this "
                      "user_method."));
      return httplib::Server::HandlerResponse::Handled;
    }
    if (fail_ > 0) {
      --fail_;
      Reply(res, 503,
            ErrorBody(503, "UNAVAILABLE", "backendError",
                      "Error encountered during "
                      "execution. Retrying may "
                      "solve the problem."));
      return httplib::Server::HandlerResponse::Handled;
    }
    const std::string auth = req.get_header_value("Authorization");
    if (!auth.starts_with("Bearer ") || tokens_.count(auth.substr(7)) == 0) {
      json body = ErrorBody(401, "UNAUTHENTICATED", "authError",
                            "Request had invalid authentication credentials. Expected OAuth 2 "
                            "access token, login cookie or other valid authentication "
                            "credential.");
      body["error"]["errors"][0]["location"] = "Authorization";
      body["error"]["errors"][0]["locationType"] = "header";
      Reply(res, 401, body);
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  svr.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    SeenRequest s;
    s.method = req.method;
    s.path = req.path;
    s.params = req.params;
    s.authorization = req.get_header_value("Authorization");
    s.status = res.status;
    s.body = req.body;
    std::lock_guard<std::mutex> lock(mu_);
    seen_.push_back(std::move(s));
    --in_flight_;
    recorded_.notify_all();
  });

  svr.Post("/token", [this](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Content-Type").find("application/x-www-form-urlencoded") ==
        std::string::npos) {
      return Reply(res, 400, {{"error", "invalid_request"}, {"error_description", "Bad Request"}});
    }
    httplib::Params form;
    httplib::detail::parse_query_text(req.body, form);
    const auto field = [&](const char* k) {
      auto it = form.find(k);
      return it == form.end() ? std::string() : it->second;
    };
    if (field("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer") {
      return Reply(res, 400,
                   {{"error", "unsupported_grant_type"},
                    {"error_description", "Invalid grant_type: " + field("grant_type")}});
    }
    const std::string problem =
        CheckAssertion(handlers_->key, field("assertion"), options_, token_url());
    if (!problem.empty()) {
      return Reply(res, 400, {{"error", "invalid_grant"}, {"error_description", problem}});
    }
    thread_local std::mt19937_64 engine(std::random_device{}());
    const std::string token = "ya29.fake-" + std::to_string(engine());
    {
      std::lock_guard<std::mutex> lock(mu_);
      tokens_.insert(token);
    }
    ++tokens_issued_;
    Reply(res, 200, {{"access_token", token}, {"expires_in", 3599}, {"token_type", "Bearer"}});
  });

  const auto find_job = [this](const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = jobs_.find(id);
    return it == jobs_.end() ? nullptr : it->second;
  };
  const auto no_job = [this](httplib::Response& res, const std::string& id) {
    Reply(res, 404,
          ErrorBody(404, "NOT_FOUND", "notFound",
                    "Not found: Job " + options_.project + ":" + options_.location + "." + id));
  };
  const auto wrong_project = [this](httplib::Response& res, const std::string& project) {
    if (project == options_.project) return false;
    Reply(res, 404, ErrorBody(404, "NOT_FOUND", "notFound", "Not found: Project " + project));
    return true;
  };

  svr.Post(api + "/queries", [=, this](const httplib::Request& req, httplib::Response& res) {
    if (wrong_project(res, req.matches[1])) return;
    json body = json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body["query"].is_string()) {
      return Reply(
          res, 400,
          ErrorBody(400, "INVALID_ARGUMENT", "invalid", "Required parameter is missing: query"));
    }
    if (body.value("useLegacySql", true) != false) {
      return Reply(res, 400,
                   ErrorBody(400, "INVALID_ARGUMENT", "invalidQuery",
                             "This fake speaks standard SQL only (useLegacySql false)"));
    }
    if (!options_.may_create_jobs) {
      return Reply(res, 403,
                   ErrorBody(403, "PERMISSION_DENIED", "accessDenied",
                             "Access Denied: Project " + options_.project +
                                 ": User does not have bigquery.jobs.create permission in "
                                 "project " +
                                 options_.project + "."));
    }
    const std::string location = body.value("location", options_.location);
    if (Upper(location) != Upper(options_.location)) {
      return Reply(res, 400,
                   ErrorBody(400, "INVALID_ARGUMENT", "invalid",
                             "Location " + location +
                                 " does not support this "
                                 "operation."));
    }
    if (body.contains("defaultDataset")) {
      const std::string ds = body["defaultDataset"].value("datasetId", "");
      if (options_.datasets.count(ds) == 0) {
        return Reply(res, 404,
                     ErrorBody(404, "NOT_FOUND", "notFound",
                               "Not found: Dataset " + options_.project + ":" + ds +
                                   " was not found in location " + options_.location));
      }
    }
    const bool dry_run = body.value("dryRun", false);
    auto job = std::make_shared<Job>();
    job->options = &options_;
    job->sql = body["query"];
    job->location = options_.location;
    int64_t job_timeout = 0;
    if (body.contains("jobTimeoutMs")) {
      const json& t = body["jobTimeoutMs"];
      job_timeout = t.is_string()           ? std::atoll(t.get<std::string>().c_str())
                    : t.is_number_integer() ? t.get<int64_t>()
                                            : 0;
    }
    job->timeout_ms = job_timeout > 0 ? job_timeout : 6 * 3600 * 1000;
    job->deadline = Clock::now() + std::chrono::milliseconds(job->timeout_ms);
    job->polls_left = options_.pending_polls;
    {
      std::lock_guard<std::mutex> lock(mu_);
      char id[64];
      std::snprintf(id, sizeof id, "job_fake%04d", ++next_id_);
      job->id = id;
      queries_.push_back(job->sql);
      if (!dry_run) jobs_[job->id] = job;
    }
    if (dry_run) {
      Execute(job.get(), options_.database_path, true);
      if (job->failure) return ReplyFailure(res, *job->failure);
      return Reply(
          res, 200,
          {{"kind", "bigquery#queryResponse"},
           {"schema", {{"fields", job->schema}}},
           {"jobReference", {{"projectId", options_.project}, {"location", job->location}}},
           {"totalBytesProcessed", "0"},
           {"jobComplete", true},
           {"cacheHit", false}});
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      workers_.emplace_back(Execute, job.get(), options_.database_path, false);
    }
    const int64_t wait_ms = std::clamp<int64_t>(body.value("timeoutMs", 10000), 0, 10000);
    const bool int64_micros =
        body.contains("formatOptions") && body["formatOptions"].value("useInt64Timestamp", false);
    std::unique_lock<std::mutex> lock(job->mu);
    job->done_cv.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return job->done; });
    if (!job->done || job->polls_left > 0) {
      return Reply(res, 200,
                   {{"kind", "bigquery#queryResponse"},
                    {"jobReference", JobReference(options_, *job)},
                    {"jobComplete", false}});
    }
    AnswerPage(options_, *job, "bigquery#queryResponse", 0,
               static_cast<size_t>(body.value("maxResults", int64_t{1} << 40)), int64_micros, res);
  });

  svr.Get(api + "/queries/([^/]+)", [=, this](const httplib::Request& req, httplib::Response& res) {
    if (wrong_project(res, req.matches[1])) return;
    std::shared_ptr<Job> job = find_job(req.matches[2]);
    if (job == nullptr) return no_job(res, req.matches[2]);
    const std::string token = req.get_param_value("pageToken");
    std::optional<size_t> offset = token.empty() ? std::optional<size_t>(0) : PageOffset(token);
    if (!offset) {
      return Reply(res, 400, ErrorBody(400, "INVALID_ARGUMENT", "invalid", "Invalid page token"));
    }
    const std::string max = req.get_param_value("maxResults");
    const size_t max_results =
        max.empty() ? SIZE_MAX : static_cast<size_t>(std::atoll(max.c_str()));
    const bool int64_micros = req.get_param_value("formatOptions.useInt64Timestamp") == "true";
    const std::string wait = req.get_param_value("timeoutMs");
    const int64_t wait_ms =
        std::clamp<int64_t>(wait.empty() ? 10000 : std::atoll(wait.c_str()), 0, 10000);
    std::unique_lock<std::mutex> lock(job->mu);
    job->done_cv.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return job->done; });
    if (!job->done || (token.empty() && job->polls_left > 0)) {
      if (job->done) --job->polls_left;
      return Reply(res, 200,
                   {{"kind", "bigquery#getQueryResultsResponse"},
                    {"etag", "\"fake-etag\""},
                    {"jobReference", JobReference(options_, *job)},
                    {"jobComplete", false}});
    }
    AnswerPage(options_, *job, "bigquery#getQueryResultsResponse", *offset, max_results,
               int64_micros, res);
  });

  const auto job_resource = [this](const Job& job) {
    json status = {{"state", job.done ? "DONE" : "RUNNING"}};
    if (job.done && job.failure) {
      status["errorResult"] = {{"reason", job.failure->reason}, {"message", job.failure->message}};
      status["errors"] = json::array({status["errorResult"]});
    }
    return json{{"kind", "bigquery#job"},
                {"id", options_.project + ":" + job.location + "." + job.id},
                {"jobReference", JobReference(options_, job)},
                {"configuration",
                 {{"jobType", "QUERY"}, {"query", {{"query", job.sql}, {"useLegacySql", false}}}}},
                {"status", status}};
  };

  svr.Get(api + "/jobs/([^/]+)", [=, this](const httplib::Request& req, httplib::Response& res) {
    if (wrong_project(res, req.matches[1])) return;
    std::shared_ptr<Job> job = find_job(req.matches[2]);
    if (job == nullptr) return no_job(res, req.matches[2]);
    std::lock_guard<std::mutex> lock(job->mu);
    Reply(res, 200, job_resource(*job));
  });

  svr.Post(api + "/jobs/([^/]+)/cancel",
           [=, this](const httplib::Request& req, httplib::Response& res) {
             if (wrong_project(res, req.matches[1])) return;
             std::shared_ptr<Job> job = find_job(req.matches[2]);
             if (job == nullptr) return no_job(res, req.matches[2]);
             job->cancel = true;
             ++cancels_;
             std::lock_guard<std::mutex> lock(job->mu);
             Reply(res, 200, {{"kind", "bigquery#jobCancelResponse"}, {"job", job_resource(*job)}});
           });

  svr.Get(api + "/datasets/([^/]+)",
          [=, this](const httplib::Request& req, httplib::Response& res) {
            if (wrong_project(res, req.matches[1])) return;
            const std::string ds = req.matches[2];
            if (options_.datasets.count(ds) == 0) {
              return Reply(res, 404,
                           ErrorBody(404, "NOT_FOUND", "notFound",
                                     "Not found: Dataset " + options_.project + ":" + ds));
            }
            Reply(res, 200,
                  {{"kind", "bigquery#dataset"},
                   {"id", options_.project + ":" + ds},
                   {"datasetReference", {{"projectId", options_.project}, {"datasetId", ds}}},
                   {"location", options_.location}});
          });

  port_ = svr.bind_to_any_port("127.0.0.1");
  handlers_->thread = std::thread([this] { handlers_->server.listen_after_bind(); });
  while (!svr.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeBigQuery::~FakeBigQuery() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [id, job] : jobs_) job->cancel = true;
  }
  handlers_->server.stop();
  if (handlers_->thread.joinable()) handlers_->thread.join();
  for (std::thread& t : workers_) t.join();
}

json FakeBigQuery::KeyFile(const std::string& private_pem) const {
  return {{"type", "service_account"},
          {"project_id", options_.project},
          {"private_key_id", "5f1e0d2c3b4a69788796a5b4c3d2e1f001234567"},
          {"private_key", private_pem},
          {"client_email", options_.client_email},
          {"client_id", "100000000000000000001"},
          {"auth_uri", "https://accounts.google.com/o/oauth2/auth"},
          {"token_uri", token_url()},
          {"auth_provider_x509_cert_url", "https://www.googleapis.com/oauth2/v1/certs"},
          {"universe_domain", "googleapis.com"}};
}

KeyPairPem GenerateRsaKeyPair() {
  KeyPairPem out;
  EVP_PKEY* key = EVP_RSA_gen(2048);
  for (bool is_public : {false, true}) {
    BIO* bio = BIO_new(BIO_s_mem());
    if (is_public) {
      PEM_write_bio_PUBKEY(bio, key);
    } else {
      PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    }
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    (is_public ? out.public_pem : out.private_pem).assign(data, static_cast<size_t>(len));
    BIO_free(bio);
  }
  EVP_PKEY_free(key);
  return out;
}

void FakeBigQuery::ThrottleNext(int count, int retry_after_s, bool as_403) {
  std::lock_guard<std::mutex> lock(mu_);
  throttle_ = count;
  throttle_after_s_ = retry_after_s;
  throttle_403_ = as_403;
}

void FakeBigQuery::FailNext(int count) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_ = count;
}

void FakeBigQuery::RevokeTokens() {
  std::lock_guard<std::mutex> lock(mu_);
  tokens_.clear();
}

std::vector<SeenRequest> FakeBigQuery::requests() const {
  std::unique_lock<std::mutex> lock(mu_);
  recorded_.wait_for(lock, std::chrono::seconds(5), [&] { return in_flight_ == 0; });
  return seen_;
}

std::vector<std::string> FakeBigQuery::queries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queries_;
}

}  // namespace wsync::fake_bigquery
