#include "app/sample_data.h"

#include <random>

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

}  // namespace wsync::app
