// PgSession: one libpq connection to PostgreSQL or Redshift, opened the way every statement of
// the connector needs it — the host checked against the egress rule (egress.h) and reached at
// the checked addresses, no password file, client certificate or service file of the process
// used for a client's config, the session in UTC with ISO dates and exact floats, the
// connection's statement timeout set, and everything inside one READ ONLY transaction.
//
// Every wait (connecting, each statement) polls the ConnectorContext's StopToken: when it fires
// the session sends a cancel request (PQcancel) and the statement ends with Cancelled or
// DeadlineExceeded within moments. Failures are classified into statuses with a reason
// (warehouse_error.h) from the SQLSTATE where the server sends one, and from libpq's connection
// status and message where it cannot (libpq keeps no SQLSTATE for a failed start-up). The
// password never appears in a message: every libpq text is scrubbed of it.
//
// Threads: one thread at a time; a session may move between threads (a RowStream owns one).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "warehouse/connector.h"
#include "warehouse/egress.h"

typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

namespace wsync::warehouse {

struct PgConfig {
  std::string host;
  int port = 5432;
  std::string database;
  std::string user;
  std::string password;
  std::string sslmode = "prefer";
  std::chrono::seconds statement_timeout{3600};
  bool redshift = false;
};

struct PgResultDeleter {
  void operator()(PGresult* r) const;
};
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;

class PgSession {
 public:
  // Connects and starts the READ ONLY transaction. `policy` (null: public addresses only) is
  // applied unless `context.trusted`.
  static core::StatusOr<std::unique_ptr<PgSession>> Open(const PgConfig& config,
                                                         const ConnectorContext& context,
                                                         const NetworkPolicy* policy);
  ~PgSession();
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;

  // Runs `sql` (one or more statements, text results) and returns the last result, or the
  // classified failure of the first that failed. `what` says what was running, for messages.
  core::StatusOr<PgResultPtr> Exec(std::string_view sql, std::string_view what);
  // Exec in two halves, so the server can work on `sql` while the caller does something else
  // (a stream converts one FETCH while the next is under way). Every Send is followed by one
  // Receive before the next Send.
  core::Status Send(std::string_view sql, std::string_view what);
  core::StatusOr<PgResultPtr> Receive(std::string_view what);

  // COPY (<query>) TO STDOUT, text format: StartCopy sends it and waits for the server to begin;
  // then each CopyRow gives one line (without its newline) in `*line` (owned by the session,
  // valid until the next call) and returns true, or false once the COPY has ended cleanly.
  core::Status StartCopy(std::string_view query, std::string_view what);
  core::StatusOr<bool> CopyRow(std::string_view* line, std::string_view what);

  // The server's message for a failed result, scrubbed, as an operator-facing status.
  core::Status ResultError(const PGresult* result, std::string_view what) const;

 private:
  PgSession(PGconn* conn, const PgConfig& config, const ConnectorContext& context);
  // Waits until the socket is ready (for reading, or writing too), polling the stop token.
  // Returns false when the stop token fired.
  bool Wait(bool write);
  std::string Scrub(std::string text) const;
  core::Status Lost(std::string_view what) const;
  // Sends a cancel request for the statement under way, once.
  void Cancel();

  PGconn* conn_;
  PgConfig config_;
  ConnectorContext context_;
  bool cancelled_ = false;     // a cancel request went out for the statement under way
  char* copy_line_ = nullptr;  // the last CopyRow line, freed by the next call
};

// Replaces every occurrence of `secret` (when non-empty) in `text` by "********".
std::string ScrubSecret(std::string text, std::string_view secret);

}  // namespace wsync::warehouse
