// ResolverChecker: the resolver's batch property, shared by the property test and the fuzz
// target. Rows resolved in batches of any size must leave (1) an identity index that says exactly
// what the profile documents hold, and (2) the same profiles as resolving the rows one per batch.
// Each Check runs in fresh workspaces of one SQLite store. Not thread-safe: one per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "mapping/record.h"
#include "storage/sqlite/sqlite_db.h"
#include "storage/sqlite/sqlite_profile_store.h"

namespace wsync::profiles {

struct CheckRow {
  mapping::Record record;  // identities sorted by priority, one per type
  int64_t source_time = 0;
};

struct CheckInput {
  std::vector<CheckRow> rows;
  std::vector<size_t> batch_sizes;  // cycled; each at least 1
};

// Decodes bytes into rows over 3 identity types x 4 values and one attribute:
// [k][k batch sizes][3 bytes per row: identity mask, values (2 bits each), plan/source time].
// Any input decodes; rows are capped at 256.
CheckInput DecodeCheckInput(const uint8_t* data, size_t size);

class ResolverChecker {
 public:
  // `db_path` is created and migrated.
  static core::StatusOr<std::unique_ptr<ResolverChecker>> Open(const std::string& db_path);

  // Ok, or an Internal error naming the first disagreement.
  core::Status Check(const CheckInput& input);

 private:
  ResolverChecker(std::unique_ptr<db::Db> db, std::unique_ptr<SqliteProfileStore> store)
      : db_(std::move(db)), store_(std::move(store)) {}
  // Resolves the rows in scope `ws`, cutting batches by `sizes`.
  core::Status Resolve(int64_t ws, const CheckInput& input, const std::vector<size_t>& sizes);
  // The profiles of `ws` in a form without mpids, after checking its index against them.
  core::StatusOr<std::vector<std::string>> Snapshot(int64_t ws);

  std::unique_ptr<db::Db> db_;  // reads the identity index directly
  std::unique_ptr<SqliteProfileStore> store_;
  int64_t next_workspace_ = 1;
};

}  // namespace wsync::profiles
