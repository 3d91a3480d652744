#include "warehouse/postgres/pg_session.h"

#include <libpq-fe.h>
#include <poll.h>

#include <utility>
#include <vector>

#include "warehouse/warehouse_error.h"

namespace wsync::warehouse {
namespace {

// How long connecting may take before the warehouse counts as unreachable.
constexpr std::chrono::seconds kConnectTimeout{15};
// How often a wait looks at the stop token.
constexpr int kPollMillis = 50;

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// libpq's message without its "connection to server at ... failed: " lead and the "FATAL:  "
// severity, one line.
std::string Tidy(std::string text) {
  for (std::string_view lead : {"FATAL:  ", "ERROR:  "}) {
    for (size_t p; (p = text.find(lead)) != std::string::npos;) text.erase(p, lead.size());
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  return text;
}

}  // namespace

void PgResultDeleter::operator()(PGresult* r) const { PQclear(r); }

std::string ScrubSecret(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  for (size_t p = 0; (p = text.find(secret, p)) != std::string::npos;) {
    text.replace(p, secret.size(), "********");
    p += 8;
  }
  return text;
}

PgSession::PgSession(PGconn* conn, const PgConfig& config, const ConnectorContext& context)
    : conn_(conn), config_(config), context_(context) {}

PgSession::~PgSession() {
  if (copy_line_ != nullptr) PQfreemem(copy_line_);
  PQfinish(conn_);
}

std::string PgSession::Scrub(std::string text) const {
  return ScrubSecret(std::move(text), config_.password);
}

core::StatusOr<std::unique_ptr<PgSession>> PgSession::Open(const PgConfig& config,
                                                           const ConnectorContext& context,
                                                           const NetworkPolicy* policy) {
  std::vector<std::pair<std::string, std::string>> params;
  const std::string port = std::to_string(config.port);
  if (context.trusted) {
    params.emplace_back("host", config.host);
  } else {
    static const NetworkPolicy kPublicOnly;
    ASSIGN_OR_RETURN(std::vector<IpAddress> addresses,
                     (policy ? policy : &kPublicOnly)->Resolve(config.host, "config.host"));
    // One host entry per checked address: libpq connects to hostaddr and uses host only for
    // TLS names, so no second DNS answer is ever used.
    std::string hosts, addrs;
    for (const IpAddress& a : addresses) {
      hosts += (hosts.empty() ? "" : ",") + config.host;
      addrs += (addrs.empty() ? "" : ",") + a.ToString();
    }
    params.emplace_back("host", hosts);
    params.emplace_back("hostaddr", addrs);
    // Nothing of this process's own: no password file, client certificate or service file.
    params.emplace_back("passfile", "/dev/null");
    params.emplace_back("sslcert", "/nonexistent/wsync-no-client-certificate");
    params.emplace_back("sslkey", "/nonexistent/wsync-no-client-key");
  }
  params.emplace_back("port", port);
  params.emplace_back("dbname", config.database);
  params.emplace_back("user", config.user);
  params.emplace_back("password", config.password);
  params.emplace_back("sslmode", config.sslmode);
  params.emplace_back("gssencmode", "disable");
  params.emplace_back("client_encoding", "UTF8");
  params.emplace_back("application_name", "wsync");
  std::vector<const char*> keys, values;
  for (const auto& [k, v] : params) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);

  // expand_dbname 0: a database name is a name, never a connection string.
  PGconn* conn = PQconnectStartParams(keys.data(), values.data(), 0);
  if (conn == nullptr) return core::ResourceExhausted("out of memory starting a connection");
  std::unique_ptr<PgSession> session(new PgSession(conn, config, context));
  const std::string where = "the warehouse at " + config.host + ":" + port;

  const auto deadline = std::chrono::steady_clock::now() + kConnectTimeout;
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;
  while (PQstatus(conn) != CONNECTION_BAD && st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
    if (context.stop) RETURN_IF_ERROR(context.stop->Check());
    if (std::chrono::steady_clock::now() >= deadline) {
      return WarehouseError(core::StatusCode::kUnavailable, kReasonUnreachable,
                            where + " did not answer within " +
                                std::to_string(kConnectTimeout.count()) +
                                " s: check config.host and config.port, and that the server "
                                "accepts connections from this deployment");
    }
    pollfd p{PQsocket(conn), static_cast<short>(st == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
    if (p.fd < 0) break;
    if (poll(&p, 1, kPollMillis) == 0) continue;
    st = PQconnectPoll(conn);
  }
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string detail = session->Scrub(Tidy(PQerrorMessage(conn)));
    const std::string user = "'" + config.user + "'";
    // libpq keeps no SQLSTATE of a refused start-up, so its (English) message is what there is.
    if (Contains(detail, "password authentication failed") ||
        Contains(detail, "no password supplied") || Contains(detail, "password is required") ||
        Contains(detail, "authentication failed for user")) {
      return WarehouseError(core::StatusCode::kUnauthenticated, kReasonAuthenticationFailed,
                            where + " refused the credentials of user " + user +
                                ": check config.user and config.password (" + detail + ")");
    }
    if (Contains(detail, "database \"") && Contains(detail, "\" does not exist")) {
      return WarehouseError(core::StatusCode::kNotFound, kReasonDatabaseNotFound,
                            where + " has no database '" + config.database +
                                "': check config.database (" + detail + ")");
    }
    if (Contains(detail, "no encryption")) {
      return WarehouseError(core::StatusCode::kFailedPrecondition, kReasonTlsRequired,
                            where +
                                " requires TLS for this database and user, and config.sslmode "
                                "'" +
                                config.sslmode +
                                "' did not use it: set config.sslmode to 'require' (" + detail +
                                ")");
    }
    if (Contains(detail, "does not support SSL") || Contains(detail, "SSL encryption") ||
        Contains(detail, "certificate") || Contains(detail, "SSL error") ||
        Contains(detail, "SSL SYSCALL")) {
      return WarehouseError(core::StatusCode::kFailedPrecondition, kReasonTlsRefused,
                            where + " refused or failed the TLS connection that config.sslmode '" +
                                config.sslmode +
                                "' asks for: check the server's TLS set-up, or set "
                                "config.sslmode to 'prefer' or 'disable' (" +
                                detail + ")");
    }
    if (Contains(detail, "pg_hba.conf") || Contains(detail, "role \"")) {
      return WarehouseError(core::StatusCode::kUnauthenticated, kReasonAuthenticationFailed,
                            where + " does not let user " + user +
                                " connect from this deployment: ask its administrator to allow "
                                "it (" +
                                detail + ")");
    }
    return WarehouseError(core::StatusCode::kUnavailable, kReasonUnreachable,
                          "could not reach " + where +
                              ": check config.host and config.port, and that the server accepts "
                              "connections from this deployment (" +
                              detail + ")");
  }

  // Backslashes in literals stay literal only with standard strings (PostgreSQL's default);
  // the dialect quotes for that.
  const char* scs = PQparameterStatus(conn, "standard_conforming_strings");
  std::string setup =
      "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 3; "
      "SET statement_timeout = " +
      std::to_string(config.statement_timeout.count() * 1000) + "; ";
  if (!config.redshift) {
    setup += "SET IntervalStyle = 'iso_8601'; SET bytea_output = 'hex'; ";
    if (scs != nullptr && std::string_view(scs) != "on") {
      setup += "SET standard_conforming_strings = on; ";
    }
  }
  setup += "BEGIN READ ONLY";
  RETURN_IF_ERROR(session->Exec(setup, "setting up the session").status());
  return session;
}

bool PgSession::Wait(bool write) {
  for (;;) {
    if (context_.stop && !context_.stop->Check().ok()) return false;
    pollfd p{PQsocket(conn_), static_cast<short>(POLLIN | (write ? POLLOUT : 0)), 0};
    if (p.fd < 0) return true;  // PQconsumeInput reports the broken connection
    if (poll(&p, 1, kPollMillis) != 0) return true;
  }
}

core::Status PgSession::Lost(std::string_view what) const {
  return WarehouseError(core::StatusCode::kUnavailable, kReasonUnreachable,
                        "the connection to the warehouse broke while " + std::string(what) + ": " +
                            Scrub(Tidy(PQerrorMessage(conn_))));
}

void PgSession::Cancel() {
  if (cancelled_) return;
  cancelled_ = true;
  if (PGcancel* c = PQgetCancel(conn_)) {
    char err[256];
    PQcancel(c, err, sizeof err);
    PQfreeCancel(c);
  }
}

core::Status PgSession::Send(std::string_view sql, std::string_view what) {
  const std::string text(sql);
  cancelled_ = false;
  if (PQsendQuery(conn_, text.c_str()) == 0) return Lost(what);
  for (int flushed; (flushed = PQflush(conn_)) != 0;) {
    if (flushed < 0) return Lost(what);
    if (!Wait(true)) Cancel();
  }
  return core::Status::Ok();
}

core::StatusOr<PgResultPtr> PgSession::Receive(std::string_view what) {
  PgResultPtr last;
  core::Status failure;
  for (;;) {
    // Sends the cancel request once the stop token fires; the results still have to be drained.
    while (PQisBusy(conn_)) {
      if (!cancelled_ && !Wait(false)) Cancel();
      if (PQconsumeInput(conn_) == 0) return Lost(what);
    }
    PgResultPtr r(PQgetResult(conn_));
    if (r == nullptr) break;
    ExecStatusType st = PQresultStatus(r.get());
    if (st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE || st == PGRES_NONFATAL_ERROR) {
      if (failure.ok()) failure = ResultError(r.get(), what);
    } else {
      last = std::move(r);
    }
  }
  if (cancelled_ && context_.stop) {
    core::Status stop = context_.stop->Check();
    if (!stop.ok()) return stop;
  }
  if (!failure.ok()) return failure;
  if (PQstatus(conn_) == CONNECTION_BAD) return Lost(what);
  return last;
}

core::StatusOr<PgResultPtr> PgSession::Exec(std::string_view sql, std::string_view what) {
  RETURN_IF_ERROR(Send(sql, what));
  return Receive(what);
}

core::Status PgSession::StartCopy(std::string_view query, std::string_view what) {
  RETURN_IF_ERROR(Send("COPY (" + std::string(query) + ") TO STDOUT", what));
  while (PQisBusy(conn_)) {
    if (!cancelled_ && !Wait(false)) Cancel();
    if (PQconsumeInput(conn_) == 0) return Lost(what);
  }
  PgResultPtr r(PQgetResult(conn_));
  if (r != nullptr && PQresultStatus(r.get()) == PGRES_COPY_OUT) return core::Status::Ok();
  // Not started: drain what follows and report the failure.
  core::Status failure = r == nullptr ? Lost(what) : ResultError(r.get(), what);
  while (PgResultPtr(PQgetResult(conn_)) != nullptr) {
  }
  if (cancelled_ && context_.stop) {
    core::Status stop = context_.stop->Check();
    if (!stop.ok()) return stop;
  }
  return failure;
}

core::StatusOr<bool> PgSession::CopyRow(std::string_view* line, std::string_view what) {
  if (copy_line_ != nullptr) {
    PQfreemem(copy_line_);
    copy_line_ = nullptr;
  }
  for (;;) {
    int n = PQgetCopyData(conn_, &copy_line_, 1);
    if (n > 0) {
      size_t len = static_cast<size_t>(n);
      if (copy_line_[len - 1] == '\n') --len;
      *line = std::string_view(copy_line_, len);
      return true;
    }
    if (n == 0) {  // nothing buffered: wait for the server
      if (!cancelled_ && !Wait(false)) Cancel();
      if (PQconsumeInput(conn_) == 0) return Lost(what);
      continue;
    }
    if (n == -2) return Lost(what);
    // n == -1: the COPY ended; its final result says how.
    RETURN_IF_ERROR(Receive(what).status());
    return false;
  }
}

core::Status PgSession::ResultError(const PGresult* result, std::string_view what) const {
  const char* code = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  const std::string state = code ? code : "";
  const std::string message =
      Scrub(primary ? std::string(primary) : Tidy(PQresultErrorMessage(result)));
  const std::string doing = "the warehouse failed while " + std::string(what) + ": " + message;
  if (state == "57014") {
    return WarehouseError(core::StatusCode::kDeadlineExceeded, kReasonStatementTimeout,
                          "the statement ran past the connection's statement timeout (" +
                              std::to_string(config_.statement_timeout.count()) + " s) while " +
                              std::string(what) +
                              ": raise config.statement_timeout_s or make the data model cheaper");
  }
  if (state == "42501") {
    return WarehouseError(core::StatusCode::kPermissionDenied, kReasonPermissionDenied,
                          "user '" + config_.user + "' may not read what the data model reads (" +
                              message + "): grant it SELECT, or change the data model");
  }
  if (state == "25006") {
    return core::InvalidArgument("the data model tried to write (" + message +
                                 "): data models are read-only queries");
  }
  if (state == "3D000") {
    return WarehouseError(core::StatusCode::kNotFound, kReasonDatabaseNotFound, doing);
  }
  if (state.starts_with("28")) {
    return WarehouseError(core::StatusCode::kUnauthenticated, kReasonAuthenticationFailed, doing);
  }
  if (state.starts_with("08") || state.starts_with("57P") || state == "40001" || state == "40P01") {
    return WarehouseError(core::StatusCode::kUnavailable, kReasonUnreachable, doing);
  }
  if (state.starts_with("53")) return core::ResourceExhausted(doing);
  if (state.starts_with("42") || state.starts_with("22") || state.starts_with("0A") ||
      state.starts_with("2")) {
    return core::InvalidArgument(doing);
  }
  return core::Internal(doing + (state.empty() ? "" : " (SQLSTATE " + state + ")"));
}

}  // namespace wsync::warehouse
