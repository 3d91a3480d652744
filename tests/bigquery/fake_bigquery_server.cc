// The local BigQuery server on its own, for clients outside the C++ tests (Google's Node
// client, tests/bigquery/node): `fake_bigquery_server DIR` creates DIR/warehouse.db (the table
// `analytics.people`, one row per type), a fresh key pair and DIR/key.json (a service-account
// key file for it), starts FakeBigQuery with pages of 2 rows and one jobComplete:false answer
// per job, writes its base URL to DIR/url, and serves until SIGTERM or SIGINT. Test-only.
#include <signal.h>
#include <sqlite3.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "fake_bigquery.h"

namespace {

constexpr char kSchema[] = R"(
  CREATE TABLE people (id INT64, name STRING, score FLOAT64, balance NUMERIC CHAR, active BOOL,
                       raw BYTES, born DATE, seen_at TIMESTAMP, local_at DATETIME, alarm TIME,
                       doc JSON, tags REPEATED STRING, address RECORD);
  INSERT INTO people VALUES
    (1, 'Ada', 1.5, '123456789012345678901234567890.125', 1, X'DEADBEEF', '1815-12-10',
     '2024-05-01 12:00:00.123456', '2024-05-01 12:00:00', '13:45:30.25', '{"k":[1,2]}',
     '["math","poetry"]', '{"city":"London","zip":12345}'),
    (2, 'Grace', -2.25, '0.5', 0, X'00', '1906-12-09', '1970-01-01 00:00:00', NULL, NULL, NULL,
     '[]', NULL),
    (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (4, 'Linus', 0.0, '-7', 1, X'', '1969-12-28', '1970-01-01 00:00:00.000001',
     '2000-01-01 00:00:00.5', '00:00:00', '[]', '["a"]', '{"city":null,"zip":0}'),
    (5, 'Barbara', 1e10, '1', 0, X'41', '1939-11-03', '2262-04-11 23:47:16.854775',
     '9999-12-31 23:59:59.999999', '23:59:59.999999', '"x"', '["b","c","d"]',
     '{"city":"Los Angeles","zip":90001}');
)";

bool WriteFile(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << text;
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: fake_bigquery_server DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // before any thread starts

  const std::string db_path = dir + "/warehouse.db";
  sqlite3* db = nullptr;
  char* err = nullptr;
  if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK ||
      sqlite3_exec(db, kSchema, nullptr, nullptr, &err) != SQLITE_OK) {
    std::cerr << "fake_bigquery_server: " << (err ? err : "cannot open the database") << "\n";
    return 1;
  }
  sqlite3_close(db);

  const wsync::fake_bigquery::KeyPairPem keys = wsync::fake_bigquery::GenerateRsaKeyPair();
  wsync::fake_bigquery::Options o;
  o.database_path = db_path;
  o.public_key_pem = keys.public_pem;
  o.page_rows = 2;
  o.pending_polls = 1;
  o.record_fields["address"] = {{{"name", "city"}, {"type", "STRING"}, {"mode", "NULLABLE"}},
                                {{"name", "zip"}, {"type", "INTEGER"}, {"mode", "NULLABLE"}}};
  wsync::fake_bigquery::FakeBigQuery server(o);
  if (!WriteFile(dir + "/key.json", server.KeyFile(keys.private_pem).dump(2)) ||
      !WriteFile(dir + "/url", server.base_url())) {
    std::cerr << "fake_bigquery_server: cannot write to " << dir << "\n";
    return 1;
  }
  int signal = 0;
  sigwait(&stop, &signal);
  return 0;
}
