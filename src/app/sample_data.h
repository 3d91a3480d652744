// Sample customer warehouses. For `wsync demo`: customers in SQLite with identities and
// attributes of mixed types, plus (when asked) a few deliberately bad rows. For the benchmarks
// (make bench, make bench-pg): the same table in SQLite or PostgreSQL, every row a function of
// its number alone so both warehouses hold the same data.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace wsync::app {

struct SampleOptions {
  int64_t customers = 10'000;
  bool bad_rows = true;  // rows with no identity, an over-long value, a bad timestamp
};

// (Re)creates table `customers` in the SQLite file at `path`.
core::Status WriteSampleWarehouse(const std::string& path, const SampleOptions& options);

// The data model the benchmarks sync: customer_id, email and 8 attributes.
inline constexpr const char* kBenchModel =
    "SELECT customer_id, email, plan, country, lifetime_value, orders, is_vip, signup_date, "
    "last_seen, score FROM customers";
// (Re)creates the benchmark's table `customers` of `rows` rows in the SQLite file at `path`.
core::Status WriteBenchWarehouse(const std::string& path, int64_t rows);
// The statements that (re)create the same table on PostgreSQL, for the caller to run on its own
// connection.
std::string BenchWarehousePostgresSql(int64_t rows);

}  // namespace wsync::app
