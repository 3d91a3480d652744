#include "fake_snowflake.h"

#include <httplib.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <sqlite3.h>

#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/time.h"

namespace wsync::fake_snowflake {
namespace {

using nlohmann::json;

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string Base64UrlDecode(std::string_view in) {
  std::string out;
  int val = 0, bits = -8;
  for (char c : in) {
    int d;
    if (c >= 'A' && c <= 'Z')
      d = c - 'A';
    else if (c >= 'a' && c <= 'z')
      d = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      d = c - '0' + 52;
    else if (c == '-')
      d = 62;
    else if (c == '_')
      d = 63;
    else
      return "";
    val = (val << 6) + d;
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xff));
      bits -= 8;
    }
  }
  return out;
}

struct PublicKey {
  EVP_PKEY* key = nullptr;
  std::string fingerprint;
  ~PublicKey() { EVP_PKEY_free(key); }
};

std::unique_ptr<PublicKey> LoadPublicKey(const std::string& pem) {
  if (pem.empty()) return nullptr;
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  auto k = std::make_unique<PublicKey>();
  k->key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (k->key == nullptr) return nullptr;
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(k->key, &der);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(der, static_cast<size_t>(len), digest);
  OPENSSL_free(der);
  unsigned char b64[64];
  EVP_EncodeBlock(b64, digest, SHA256_DIGEST_LENGTH);
  k->fingerprint = "SHA256:" + std::string(reinterpret_cast<char*>(b64));
  return k;
}

bool VerifyJwt(const PublicKey& key, const std::string& jwt, const Options& o) {
  size_t a = jwt.find('.'), b = jwt.rfind('.');
  if (a == std::string::npos || a == b) return false;
  const std::string signed_part = jwt.substr(0, b);
  const std::string sig = Base64UrlDecode(jwt.substr(b + 1));
  json header = json::parse(Base64UrlDecode(jwt.substr(0, a)), nullptr, false);
  json claims = json::parse(Base64UrlDecode(jwt.substr(a + 1, b - a - 1)), nullptr, false);
  if (!header.is_object() || header.value("alg", "") != "RS256" || !claims.is_object()) {
    return false;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key.key) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                             reinterpret_cast<const unsigned char*>(signed_part.data()),
                             signed_part.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return false;
  const std::string subject = Upper(o.account) + "." + Upper(o.user);
  if (claims.value("sub", "") != subject) return false;
  if (claims.value("iss", "") != subject + "." + key.fingerprint) return false;
  if (!claims["iat"].is_number_integer() || !claims["exp"].is_number_integer()) return false;
  const int64_t iat = claims["iat"], exp = claims["exp"];
  return exp > iat && exp - iat <= 3600;
}

// ---- values --------------------------------------------------------------------------------

struct ColumnType {
  std::string type = "text";
  int scale = 0;
};

ColumnType FromDecltype(const char* decl) {
  ColumnType t;
  if (decl == nullptr) return t;
  std::string d = Upper(decl);
  int scale = 0;
  if (size_t p = d.find('('); p != std::string::npos) {
    if (size_t c = d.find(',', p); c != std::string::npos) scale = std::atoi(d.c_str() + c + 1);
    d = d.substr(0, p);
  }
  if (d == "NUMBER" || d == "DECIMAL" || d == "NUMERIC" || d == "INT" || d == "INTEGER" ||
      d == "BIGINT") {
    return {"fixed", scale};
  }
  if (d == "FLOAT" || d == "DOUBLE" || d == "REAL") return {"real", 0};
  if (d == "BOOLEAN") return {"boolean", 0};
  if (d == "DATE") return {"date", 0};
  if (d == "TIME") return {"time", 9};
  if (d == "TIMESTAMP_NTZ" || d == "TIMESTAMP" || d == "DATETIME") return {"timestamp_ntz", 9};
  if (d == "TIMESTAMP_LTZ") return {"timestamp_ltz", 9};
  if (d == "TIMESTAMP_TZ") return {"timestamp_tz", 9};
  if (d == "BINARY") return {"binary", 0};
  if (d == "VARIANT") return {"variant", 0};
  if (d == "OBJECT") return {"object", 0};
  if (d == "ARRAY") return {"array", 0};
  return t;
}

bool LooksLikeCanonicalTz(std::string_view s) {
  return s.size() == 33 && s[4] == '-' && s[10] == ' ' && s[19] == '.' && s.substr(26) == " +00:00";
}

ColumnType FromValue(sqlite3_value* v) {
  switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
      return {"fixed", 0};
    case SQLITE_FLOAT:
      return {"real", 0};
    case SQLITE_BLOB:
      return {"binary", 0};
    default: {
      std::string_view s(reinterpret_cast<const char*>(sqlite3_value_text(v)),
                         static_cast<size_t>(sqlite3_value_bytes(v)));
      if (LooksLikeCanonicalTz(s)) return {"timestamp_tz", 9};
      if (s.size() == 10 && core::ParseDate(s)) return {"date", 0};
      return {"text", 0};
    }
  }
}

std::string Seconds(int64_t micros) {
  const bool negative = micros < 0;
  const uint64_t a = negative ? static_cast<uint64_t>(-micros) : static_cast<uint64_t>(micros);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%llu.%06llu000", negative ? "-" : "",
                static_cast<unsigned long long>(a / 1'000'000),
                static_cast<unsigned long long>(a % 1'000'000));
  return buf;
}

// The offset in minutes of a text timestamp's "+HH:MM" / "-HH:MM" ending; 0 when none.
int OffsetMinutes(std::string_view s) {
  if (s.size() < 6) return 0;
  std::string_view tail = s.substr(s.size() - 6);
  if ((tail[0] != '+' && tail[0] != '-') || tail[3] != ':') return 0;
  int m = ((tail[1] - '0') * 10 + (tail[2] - '0')) * 60 + (tail[4] - '0') * 10 + (tail[5] - '0');
  return tail[0] == '-' ? -m : m;
}

std::optional<std::string> Wire(const ColumnType& t, sqlite3_stmt* st, int i) {
  const int kind = sqlite3_column_type(st, i);
  if (kind == SQLITE_NULL) return std::nullopt;
  std::string text =
      kind == SQLITE_BLOB ? "" : reinterpret_cast<const char*>(sqlite3_column_text(st, i));
  if (t.type == "fixed" && kind == SQLITE_FLOAT) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", t.scale, sqlite3_column_double(st, i));
    return std::string(buf);
  }
  if (t.type == "real" && kind == SQLITE_FLOAT) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", sqlite3_column_double(st, i));
    return std::string(buf);
  }
  if (t.type == "boolean") return std::string(sqlite3_column_int64(st, i) != 0 ? "true" : "false");
  if (t.type == "date") {
    if (auto days = core::ParseDate(text.substr(0, 10))) return std::to_string(*days);
  }
  if (t.type == "time") {
    if (auto micros = core::ParseTimestamp("1970-01-01 " + text)) return Seconds(*micros);
  }
  if (t.type.starts_with("timestamp")) {
    if (auto micros = core::ParseTimestamp(text)) {
      if (t.type == "timestamp_tz")
        return Seconds(*micros) + " " + std::to_string(OffsetMinutes(text) + 1440);
      return Seconds(*micros);
    }
  }
  if (t.type == "binary" && kind == SQLITE_BLOB) {
    const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(st, i));
    std::string hex;
    char buf[3];
    for (int k = 0; k < sqlite3_column_bytes(st, i); ++k) {
      std::snprintf(buf, sizeof buf, "%02X", p[k]);
      hex += buf;
    }
    return hex;
  }
  return text;
}

// ---- statements ----------------------------------------------------------------------------

struct Failure {
  int http = 422;
  std::string code, sql_state, message;
};

}  // namespace

struct FakeSnowflake::Statement {
  std::string handle;
  std::string sql;
  std::string warehouse, database, schema, role;  // warehouse empty: none in use
  std::chrono::steady_clock::time_point deadline;
  int timeout_s = 0;
  std::atomic<bool> cancel{false};
  std::mutex mu;
  std::condition_variable done_cv;
  bool done = false;
  int polls_left = 0;
  std::optional<Failure> failure;
  json row_type = json::array();
  std::vector<json> rows;  // each an array of strings / nulls
  const Options* options = nullptr;
};

namespace {

using Statement = FakeSnowflake::Statement;

void Fail(sqlite3_context* ctx, const std::string& code, const std::string& state,
          const std::string& message) {
  const std::string e = code + "|" + state + "|" + message;
  sqlite3_result_error(ctx, e.c_str(), -1);
}

std::string ArgText(sqlite3_value* v) {
  const unsigned char* t = sqlite3_value_text(v);
  return t ? reinterpret_cast<const char*>(t) : "";
}

void ToTimestampTz(sqlite3_context* ctx, int, sqlite3_value** argv) {
  sqlite3_value* v = argv[0];
  if (sqlite3_value_type(v) == SQLITE_NULL) return sqlite3_result_null(ctx);
  std::optional<int64_t> micros;
  if (sqlite3_value_type(v) == SQLITE_INTEGER) {
    micros = core::UnixToMicros(sqlite3_value_int64(v), 1);
  } else {
    micros = core::ParseTimestamp(ArgText(v));
  }
  if (!micros)
    return Fail(ctx, "100035", "22007", "Timestamp '" + ArgText(v) + "' is not recognized");
  // Fixed-width UTC text: compares in time order as text.
  std::string out = core::FormatTimestamp(*micros);  // 2024-05-01T00:00:00[.f]Z
  int64_t frac = ((*micros % 1'000'000) + 1'000'000) % 1'000'000;
  char buf[16];
  std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(frac));
  out = out.substr(0, 10) + " " + out.substr(11, 8) + buf + " +00:00";
  sqlite3_result_text(ctx, out.c_str(), -1, SQLITE_TRANSIENT);
}

void ToDate(sqlite3_context* ctx, int, sqlite3_value** argv) {
  sqlite3_value* v = argv[0];
  if (sqlite3_value_type(v) == SQLITE_NULL) return sqlite3_result_null(ctx);
  const std::string text = ArgText(v);
  std::optional<int64_t> micros = core::ParseTimestamp(text);
  if (!micros) return Fail(ctx, "100040", "22007", "Date '" + text + "' is not recognized");
  const std::string out =
      core::FormatDate(static_cast<int32_t>(core::FloorDiv(*micros, core::kMicrosPerDay)));
  sqlite3_result_text(ctx, out.c_str(), -1, SQLITE_TRANSIENT);
}

void ToNumber(sqlite3_context* ctx, int, sqlite3_value** argv) {
  sqlite3_value* v = argv[0];
  switch (sqlite3_value_type(v)) {
    case SQLITE_NULL:
      return sqlite3_result_null(ctx);
    case SQLITE_INTEGER:
      return sqlite3_result_int64(ctx, sqlite3_value_int64(v));
    case SQLITE_FLOAT:
      return sqlite3_result_int64(ctx, static_cast<int64_t>(sqlite3_value_double(v)));
    default: {
      const std::string text = ArgText(v);
      char* end = nullptr;
      long long n = std::strtoll(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0') {
        return Fail(ctx, "100038", "22018", "Numeric value '" + text + "' is not recognized");
      }
      return sqlite3_result_int64(ctx, n);
    }
  }
}

void Current(sqlite3_context* ctx, int, sqlite3_value**) {
  const auto* value = static_cast<const std::string*>(sqlite3_user_data(ctx));
  if (value->empty()) return sqlite3_result_null(ctx);
  sqlite3_result_text(ctx, value->c_str(), -1, SQLITE_TRANSIENT);
}

void Wait(sqlite3_context* ctx, int, sqlite3_value** argv) {
  auto* s = static_cast<Statement*>(sqlite3_user_data(ctx));
  const auto end =
      std::chrono::steady_clock::now() +
      std::chrono::milliseconds(static_cast<int64_t>(sqlite3_value_double(argv[0]) * 1000));
  while (std::chrono::steady_clock::now() < end) {
    if (s->cancel) return Fail(ctx, "000604", "57014", "SQL execution canceled");
    if (std::chrono::steady_clock::now() >= s->deadline) {
      return Fail(ctx, "000630", "57014",
                  "Statement reached its statement or warehouse timeout of " +
                      std::to_string(s->timeout_s) + " second(s) and was canceled.");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  sqlite3_result_text(ctx, "waited", -1, SQLITE_STATIC);
}

int Authorize(void* user, int action, const char* a, const char*, const char*, const char*) {
  auto* s = static_cast<Statement*>(user);
  if (action != SQLITE_READ || a == nullptr) return SQLITE_OK;
  if (std::string_view(a).starts_with("sqlite_")) return SQLITE_OK;
  // Reading a table needs a warehouse; denied tables need a grant the role lacks.
  if (s->warehouse.empty() || s->options->denied_tables.count(Upper(a)) > 0) return SQLITE_DENY;
  return SQLITE_OK;
}

int Progress(void* user) {
  auto* s = static_cast<Statement*>(user);
  return s->cancel || std::chrono::steady_clock::now() >= s->deadline ? 1 : 0;
}

// A Snowflake-shaped failure for SQLite's error on `sql`.
Failure Translate(sqlite3* db, Statement* s, const std::string& sql) {
  const std::string m = sqlite3_errmsg(db);
  Failure f;
  if (size_t bar = m.find('|');
      bar != std::string::npos && m.find('|', bar + 1) != std::string::npos) {
    size_t bar2 = m.find('|', bar + 1);
    f.code = m.substr(0, bar);
    f.sql_state = m.substr(bar + 1, bar2 - bar - 1);
    f.message = m.substr(bar2 + 1);
    if (f.code == "000630") f.http = 408;
    return f;
  }
  if (s->cancel) return {422, "000604", "57014", "SQL execution canceled"};
  if (sqlite3_errcode(db) == SQLITE_INTERRUPT) {
    return {408, "000630", "57014",
            "Statement reached its statement or warehouse timeout of " +
                std::to_string(s->timeout_s) + " second(s) and was canceled."};
  }
  if (sqlite3_errcode(db) == SQLITE_AUTH) {
    if (s->warehouse.empty()) {
      return {422, "000606", "57P03",
              "No active warehouse selected in the current session.  Select an active warehouse "
              "with the 'use warehouse' command."};
    }
    return {422, "003001", "42501",
            "SQL access control error:\nInsufficient privileges to operate on table."};
  }
  const int offset = sqlite3_error_offset(db);
  int line = 1, position = 0;
  for (int i = 0; i < offset && i < static_cast<int>(sql.size()); ++i) {
    if (sql[static_cast<size_t>(i)] == '\n') {
      ++line;
      position = 0;
    } else {
      ++position;
    }
  }
  if (m.starts_with("near \"")) {
    std::string token = m.substr(6, m.find('"', 6) - 6);
    return {422, "001003", "42000",
            "SQL compilation error:\nsyntax error line " + std::to_string(line) + " at position " +
                std::to_string(position) + " unexpected '" + token + "'."};
  }
  if (m.starts_with("no such table: ")) {
    return {422, "002003", "42S02",
            "SQL compilation error:\nObject '" + Upper(m.substr(15)) +
                "' does not exist or not authorized."};
  }
  if (m.starts_with("no such column: ")) {
    return {422, "000904", "42000",
            "SQL compilation error: error line " + std::to_string(line) + " at position " +
                std::to_string(position) + "\ninvalid identifier '" + Upper(m.substr(16)) + "'"};
  }
  return {422, "002140", "42601", "SQL compilation error:\n" + m};
}

void Execute(Statement* s, const std::string& path) {
  sqlite3* db = nullptr;
  std::optional<Failure> failure;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    failure = Failure{500, "000001", "XX000", "cannot open the test database"};
  } else {
    sqlite3_create_function(db, "TO_TIMESTAMP_TZ", -1, SQLITE_UTF8, nullptr, ToTimestampTz, nullptr,
                            nullptr);
    sqlite3_create_function(db, "TO_DATE", -1, SQLITE_UTF8, nullptr, ToDate, nullptr, nullptr);
    sqlite3_create_function(db, "TO_NUMBER", 1, SQLITE_UTF8, nullptr, ToNumber, nullptr, nullptr);
    sqlite3_create_function(db, "CURRENT_WAREHOUSE", 0, SQLITE_UTF8, &s->warehouse, Current,
                            nullptr, nullptr);
    sqlite3_create_function(db, "CURRENT_DATABASE", 0, SQLITE_UTF8, &s->database, Current, nullptr,
                            nullptr);
    sqlite3_create_function(db, "CURRENT_SCHEMA", 0, SQLITE_UTF8, &s->schema, Current, nullptr,
                            nullptr);
    sqlite3_create_function(db, "CURRENT_ROLE", 0, SQLITE_UTF8, &s->role, Current, nullptr,
                            nullptr);
    sqlite3_create_function(db, "SYSTEM$WAIT", 1, SQLITE_UTF8, s, Wait, nullptr, nullptr);
    sqlite3_set_authorizer(db, Authorize, s);
    sqlite3_progress_handler(db, 1000, Progress, s);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, s->sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      failure = Translate(db, s, s->sql);
    } else {
      const int n = sqlite3_column_count(st);
      std::vector<ColumnType> types(static_cast<size_t>(n));
      std::vector<bool> declared(static_cast<size_t>(n));
      for (int i = 0; i < n; ++i) {
        declared[static_cast<size_t>(i)] = sqlite3_column_decltype(st, i) != nullptr;
        types[static_cast<size_t>(i)] = FromDecltype(sqlite3_column_decltype(st, i));
      }
      std::vector<bool> inferred(static_cast<size_t>(n), false);
      int rc;
      while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json row = json::array();
        for (int i = 0; i < n; ++i) {
          const size_t k = static_cast<size_t>(i);
          if (!declared[k] && !inferred[k] && sqlite3_column_type(st, i) != SQLITE_NULL) {
            types[k] = FromValue(sqlite3_column_value(st, i));
            inferred[k] = true;
          }
          std::optional<std::string> w = Wire(types[k], st, i);
          row.push_back(w ? json(*w) : json(nullptr));
        }
        s->rows.push_back(std::move(row));
      }
      if (rc != SQLITE_DONE) failure = Translate(db, s, s->sql);
      for (int i = 0; i < n; ++i) {
        const ColumnType& t = types[static_cast<size_t>(i)];
        // Snowflake folds unquoted names to upper case; a name the statement quotes keeps its
        // case.
        const std::string name = sqlite3_column_name(st, i);
        const bool quoted = s->sql.find('"' + name + '"') != std::string::npos;
        json c = {{"name", quoted ? name : Upper(name)},
                  {"type", t.type},
                  {"nullable", true},
                  {"database", s->database},
                  {"schema", s->schema},
                  {"table", ""},
                  {"length", nullptr},
                  {"byteLength", nullptr},
                  {"collation", nullptr},
                  {"scale", t.type == "fixed" || t.type == "time" || t.type.starts_with("timestamp")
                                ? json(t.scale)
                                : json(nullptr)},
                  {"precision", t.type == "fixed" ? json(38) : json(nullptr)}};
        s->row_type.push_back(std::move(c));
      }
      sqlite3_finalize(st);
    }
    sqlite3_close(db);
  }
  std::lock_guard<std::mutex> lock(s->mu);
  s->failure = std::move(failure);
  if (s->failure) s->rows.clear();
  s->done = true;
  s->done_cv.notify_all();
}

std::string Bearer(const httplib::Request& req) {
  const std::string auth = req.get_header_value("Authorization");
  return auth.starts_with("Bearer ") ? auth.substr(7) : "";
}

void Reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  // With "; charset=utf-8" cpp-httplib leaves the body as it is (it compresses only bare types).
  res.set_content(body.dump(), "application/json; charset=utf-8");
}

json Pending(const Statement& s) {
  return {{"code", "333334"},
          {"message",
           "Asynchronous execution in progress. Use provided query id to perform query "
           "monitoring and management."},
          {"statementHandle", s.handle},
          {"statementStatusUrl", "/api/v2/statements/" + s.handle}};
}

// The answer for a finished statement (its lock held): the failure, a later partition's data,
// or the ResultSet with partition 0.
void Answer(const Statement& s, size_t partition_rows, const std::string& partition, bool gzip,
            httplib::Response& res) {
  if (s.failure) {
    return Reply(res, s.failure->http,
                 {{"code", s.failure->code},
                  {"sqlState", s.failure->sql_state},
                  {"message", s.failure->message},
                  {"statementHandle", s.handle},
                  {"statementStatusUrl", "/api/v2/statements/" + s.handle}});
  }
  const size_t per = std::max<size_t>(partition_rows, 1);
  const size_t parts = std::max<size_t>(1, (s.rows.size() + per - 1) / per);
  const auto data = [&](size_t p) {
    json d = json::array();
    for (size_t i = p * per; i < std::min(s.rows.size(), (p + 1) * per); ++i)
      d.push_back(s.rows[i]);
    return d;
  };
  if (!partition.empty()) {
    const size_t p = static_cast<size_t>(std::atoi(partition.c_str()));
    if (p >= parts) return Reply(res, 422, {{"code", "000001"}, {"message", "Invalid partition."}});
    const std::string text = json{{"data", data(p)}}.dump();
    if (!gzip) return res.set_content(text, "application/json; charset=utf-8");
    std::string gz;
    httplib::detail::gzip_compressor c;
    c.compress(text.data(), text.size(), true, [&](const char* b, size_t n) {
      gz.append(b, n);
      return true;
    });
    res.set_header("Content-Encoding", "gzip");
    return res.set_content(gz, "application/json; charset=utf-8");
  }
  json info = json::array();
  for (size_t p = 0; p < parts; ++p) {
    const json d = data(p);
    info.push_back({{"rowCount", d.size()}, {"uncompressedSize", d.dump().size()}});
  }
  Reply(res, 200,
        {{"resultSetMetaData",
          {{"numRows", s.rows.size()},
           {"format", "jsonv2"},
           {"rowType", s.row_type},
           {"partitionInfo", info}}},
         {"data", data(0)},
         {"code", "090001"},
         {"statementStatusUrl", "/api/v2/statements/" + s.handle},
         {"requestId", "00000000-0000-4000-8000-000000000000"},
         {"sqlState", "00000"},
         {"statementHandle", s.handle},
         {"message", "Statement executed successfully."},
         {"createdOn", 1714521600000}});
}

}  // namespace

struct FakeSnowflake::Handlers {
  httplib::Server server;
  std::thread thread;
  std::unique_ptr<PublicKey> key;
};

FakeSnowflake::FakeSnowflake(Options options)
    : options_(std::move(options)), handlers_(std::make_unique<Handlers>()) {
  handlers_->key = LoadPublicKey(options_.public_key_pem);
  httplib::Server& svr = handlers_->server;

  // Records every exchange; answers throttling and failures scripted by the test first.
  svr.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu_);
    ++in_flight_;  // until the logger has recorded the exchange
    if (throttle_ > 0) {
      --throttle_;
      res.set_header("Retry-After", std::to_string(throttle_after_s_));
      Reply(res, 429, {{"code", "000429"}, {"message", "Too many requests"}});
      return httplib::Server::HandlerResponse::Handled;
    }
    if (fail_ > 0) {
      --fail_;
      Reply(res, 503, {{"code", "000503"}, {"message", "Service unavailable"}});
      return httplib::Server::HandlerResponse::Handled;
    }
    const std::string type = req.get_header_value("X-Snowflake-Authorization-Token-Type");
    const std::string token = Bearer(req);
    bool ok = false;
    if (type == "PROGRAMMATIC_ACCESS_TOKEN") {
      ok = !options_.token.empty() && token == options_.token;
      if (!ok) {
        Reply(res, 401, {{"code", "390303"}, {"message", "Invalid OAuth access token. "}});
      }
    } else if (type == "KEYPAIR_JWT") {
      ok = handlers_->key != nullptr && VerifyJwt(*handlers_->key, token, options_);
      if (!ok) Reply(res, 401, {{"code", "390144"}, {"message", "JWT token is invalid."}});
    } else {
      Reply(res, 401, {{"code", "390101"}, {"message", "Authorization header missing."}});
    }
    return ok ? httplib::Server::HandlerResponse::Unhandled
              : httplib::Server::HandlerResponse::Handled;
  });
  svr.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    SeenRequest s;
    s.method = req.method;
    s.path = req.path;
    s.params = req.params;
    s.token_type = req.get_header_value("X-Snowflake-Authorization-Token-Type");
    s.accept_encoding = req.get_header_value("Accept-Encoding");
    s.content_encoding = res.get_header_value("Content-Encoding");
    s.status = res.status;
    s.body = req.body;
    std::lock_guard<std::mutex> lock(mu_);
    seen_.push_back(std::move(s));
    --in_flight_;
    recorded_.notify_all();
  });

  svr.Post("/api/v2/statements", [this](const httplib::Request& req, httplib::Response& res) {
    json body = json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body["statement"].is_string()) {
      return Reply(res, 400, {{"code", "391902"}, {"message", "Invalid request body."}});
    }
    auto s = std::make_shared<Statement>();
    s->options = &options_;
    s->sql = body["statement"];
    const auto field = [&](const char* key) {
      return body.contains(key) && body[key].is_string() ? Upper(body[key]) : std::string();
    };
    s->warehouse = field("warehouse");
    s->database = field("database");
    s->schema = field("schema");
    s->role = field("role");
    if (!s->role.empty() && options_.roles.count(s->role) == 0) {
      return Reply(res, 422,
                   {{"code", "390189"},
                    {"message", "Role '" + s->role +
                                    "' specified in the connect string is not granted to this "
                                    "user. Contact your local system administrator, or attempt "
                                    "to login with another role, e.g. PUBLIC."}});
    }
    if (!s->database.empty() && options_.databases.count(s->database) == 0) {
      return Reply(res, 422,
                   {{"code", "390201"},
                    {"message", "The requested database does not exist or not authorized."}});
    }
    if (!s->schema.empty() && options_.schemas.count(s->schema) == 0) {
      return Reply(res, 422,
                   {{"code", "390201"},
                    {"message", "The requested schema does not exist or not authorized."}});
    }
    // An unknown warehouse is not an error by itself: the session has none (CURRENT_WAREHOUSE()
    // is NULL) and statements that read tables fail with 000606.
    if (options_.warehouses.count(s->warehouse) == 0) s->warehouse.clear();
    s->timeout_s = body.contains("timeout") && body["timeout"].is_number_integer()
                       ? body["timeout"].get<int>()
                       : 172800;
    s->deadline = std::chrono::steady_clock::now() + std::chrono::seconds(s->timeout_s);
    s->polls_left = options_.pending_polls;
    {
      std::lock_guard<std::mutex> lock(mu_);
      char id[64];
      std::snprintf(id, sizeof id, "01b2c3d4-0000-4a5b-0000-%012d", ++next_id_);
      s->handle = id;
      statements_.push_back(s->sql);
      running_[s->handle] = s;
      workers_.emplace_back(Execute, s.get(), options_.database_path);
    }
    if (req.get_param_value("async") == "true") {
      return Reply(res, 202, Pending(*s));
    }
    std::unique_lock<std::mutex> lock(s->mu);
    s->done_cv.wait_for(lock, std::chrono::seconds(45), [&] { return s->done; });
    if (!s->done) return Reply(res, 202, Pending(*s));
    Answer(*s, options_.partition_rows, "", false, res);
  });

  svr.Get(R"(/api/v2/statements/([^/]+))",
          [this](const httplib::Request& req, httplib::Response& res) {
            std::shared_ptr<Statement> s;
            {
              std::lock_guard<std::mutex> lock(mu_);
              auto it = running_.find(req.matches[1]);
              if (it != running_.end()) s = it->second;
            }
            if (s == nullptr) {
              return Reply(res, 404, {{"code", "333333"}, {"message", "Statement not found."}});
            }
            std::lock_guard<std::mutex> lock(s->mu);
            const std::string partition = req.get_param_value("partition");
            if (!s->done || (partition.empty() && s->polls_left > 0)) {
              if (s->done) --s->polls_left;
              return Reply(res, 202, Pending(*s));
            }
            Answer(*s, options_.partition_rows, partition,
                   req.get_header_value("Accept-Encoding").find("gzip") != std::string::npos, res);
          });

  svr.Post(R"(/api/v2/statements/([^/]+)/cancel)",
           [this](const httplib::Request& req, httplib::Response& res) {
             std::shared_ptr<Statement> s;
             {
               std::lock_guard<std::mutex> lock(mu_);
               auto it = running_.find(req.matches[1]);
               if (it != running_.end()) s = it->second;
             }
             if (s == nullptr)
               return Reply(res, 404, {{"code", "333333"}, {"message", "Statement not found."}});
             s->cancel = true;
             ++cancels_;
             Reply(res, 200,
                   {{"code", "000604"},
                    {"sqlState", "57014"},
                    {"message", "SQL execution canceled"},
                    {"statementHandle", s->handle}});
           });

  port_ = svr.bind_to_any_port("127.0.0.1");
  handlers_->thread = std::thread([this] { handlers_->server.listen_after_bind(); });
  while (!svr.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeSnowflake::~FakeSnowflake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [handle, s] : running_) s->cancel = true;
  }
  handlers_->server.stop();
  if (handlers_->thread.joinable()) handlers_->thread.join();
  for (std::thread& t : workers_) t.join();
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

void FakeSnowflake::ThrottleNext(int count, int retry_after_s) {
  std::lock_guard<std::mutex> lock(mu_);
  throttle_ = count;
  throttle_after_s_ = retry_after_s;
}

void FakeSnowflake::FailNext(int count) {
  std::lock_guard<std::mutex> lock(mu_);
  fail_ = count;
}

std::vector<SeenRequest> FakeSnowflake::requests() const {
  // The logger records an exchange just after its answer is written: wait for those under way.
  std::unique_lock<std::mutex> lock(mu_);
  recorded_.wait_for(lock, std::chrono::seconds(5), [&] { return in_flight_ == 0; });
  return seen_;
}

std::vector<std::string> FakeSnowflake::statements() const {
  std::lock_guard<std::mutex> lock(mu_);
  return statements_;
}

}  // namespace wsync::fake_snowflake
