#include "app/sample_data.h"

#include <random>
#include <string_view>

#include "storage/sqlite/sqlite_db.h"

namespace wsync::app {

core::Status WriteSampleWarehouse(const std::string& path, const SampleOptions& options) {
  ASSIGN_OR_RETURN(auto db, db::Db::Open(path));
  RETURN_IF_ERROR(
      db->Exec("PRAGMA journal_mode=DELETE; DROP TABLE IF EXISTS customers; "
               "CREATE TABLE customers (customer_id INTEGER, email TEXT, "
               "first_name TEXT, plan TEXT, lifetime_value REAL, orders INTEGER, "
               "is_vip BOOLEAN, signup_date DATE, last_seen TIMESTAMP, "
               "score NUMERIC)"));
  static const char* kNames[] = {"Ada", "Grace", "Alan",     "Edsger", "Barbara",
                                 "Ken", "Linus", "Margaret", "Donald", "Frances"};
  static const char* kPlans[] = {"free", "starter", "pro", "enterprise"};
  std::mt19937_64 rng(42);  // the same data on every machine
  return db::InTransaction(db.get(), [&]() -> core::Status {
    ASSIGN_OR_RETURN(db::Stmt ins,
                     db->Prepare("INSERT INTO customers VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                                 "?9, ?10)"));
    for (int64_t i = 1; i <= options.customers; ++i) {
      ins.Reset();
      ins.Bind(1, 100000 + i);
      ins.Bind(2, " Customer" + std::to_string(i) + "@Example.com ");
      ins.Bind(3, kNames[rng() % 10]);
      ins.Bind(4, kPlans[rng() % 4]);
      ins.Bind(5, static_cast<double>(rng() % 100000) / 100.0);
      ins.Bind(6, static_cast<int64_t>(rng() % 50));
      ins.Bind(7, static_cast<int64_t>(rng() % 2));
      char date[16];
      std::snprintf(date, sizeof date, "20%02d-%02d-%02d", static_cast<int>(15 + rng() % 10),
                    static_cast<int>(1 + rng() % 12), static_cast<int>(1 + rng() % 28));
      ins.Bind(8, date);
      char ts[32];
      std::snprintf(ts, sizeof ts, "2025-%02d-%02dT%02d:%02d:%02dZ",
                    static_cast<int>(1 + rng() % 12), static_cast<int>(1 + rng() % 28),
                    static_cast<int>(rng() % 24), static_cast<int>(rng() % 60),
                    static_cast<int>(rng() % 60));
      ins.Bind(9, ts);
      ins.Bind(10, std::to_string(rng() % 1000) + "." + std::to_string(rng() % 10) + "5");
      RETURN_IF_ERROR(ins.Run());
    }
    if (options.bad_rows) {
      // No identity at all; a value over the 4096-character limit; a NULL email on a known id.
      RETURN_IF_ERROR(db->Exec(
          "INSERT INTO customers VALUES (NULL, NULL, 'Nobody', 'free', 0, 0, 0, '2024-01-01', "
          "'2025-01-01T00:00:00Z', 1);"
          "INSERT INTO customers VALUES (999001, 'toolong@example.com', printf('%.5000c', 'x'), "
          "'free', 0, 0, 0, '2024-01-01', '2025-01-01T00:00:00Z', 1);"
          "INSERT INTO customers VALUES (NULL, '   ', 'Blank', 'free', 0, 0, 0, '2024-01-01', "
          "'2025-01-01T00:00:00Z', 1);"));
    }
    return core::Status::Ok();
  });
}

namespace {

// The columns of benchmark row i, around the three expressions the warehouses write differently.
std::string BenchColumns(std::string_view is_vip, std::string_view signup_date,
                         std::string_view last_seen) {
  return "i, 'user' || i || '@example.com', "
         "CASE i % 4 WHEN 0 THEN 'free' WHEN 1 THEN 'starter' WHEN 2 THEN 'pro' ELSE "
         "'enterprise' END, CASE i % 3 WHEN 0 THEN 'DE' WHEN 1 THEN 'US' ELSE 'FR' END, "
         "(i % 100000) / 100.0, i % 50, " +
         std::string(is_vip) + ", " + std::string(signup_date) + ", " + std::string(last_seen) +
         ", (i % 1000) + 0.5";
}

}  // namespace

core::Status WriteBenchWarehouse(const std::string& path, int64_t rows) {
  ASSIGN_OR_RETURN(auto db, db::Db::Open(path));
  return db->Exec(
      "DROP TABLE IF EXISTS customers; "
      "CREATE TABLE customers (customer_id INTEGER, email TEXT, plan TEXT, country TEXT, "
      "lifetime_value REAL, orders INTEGER, is_vip BOOLEAN, signup_date DATE, "
      "last_seen TIMESTAMP, score NUMERIC);"
      "INSERT INTO customers WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
      "WHERE i < " +
      std::to_string(rows) + ") SELECT " +
      BenchColumns("i % 2", "date('2020-01-01', '+' || (i % 1500) || ' days')",
                   "strftime('%Y-%m-%dT%H:%M:%SZ', 1700000000 + i, 'unixepoch')") +
      " FROM n;");
}

std::string BenchWarehousePostgresSql(int64_t rows) {
  return "DROP TABLE IF EXISTS customers; CREATE TABLE customers (customer_id bigint, email text, "
         "plan text, country text, lifetime_value float8, orders int4, is_vip bool, "
         "signup_date date, last_seen timestamptz, score numeric); "
         "INSERT INTO customers SELECT " +
         BenchColumns("i % 2 = 1", "DATE '2020-01-01' + (i % 1500)::int",
                      "to_timestamp(1700000000 + i)") +
         " FROM generate_series(1, " + std::to_string(rows) + ") AS i";
}

}  // namespace wsync::app
