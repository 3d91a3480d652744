// The backends the contract suites run against, and their common fixture. A contract suite is a
// gtest value-parameterised test over BackendCase: each case opens a fresh, migrated backend in
// a temporary directory, so a new backend joins every suite by adding one case to
// EveryBackend() (and passing them).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "core/time.h"
#include "storage/backend.h"
#include "storage/sqlite/sqlite_db.h"
#include "testing/providers.h"
#include "testing/temp_dir.h"

namespace wsync::storage::testing {

struct BackendCase {
  std::string name;  // a gtest name: letters and digits
  // Opens a fresh backend keeping its files under `dir`.
  std::function<core::StatusOr<std::unique_ptr<Backend>>(const std::string& dir)> open;
  // Overwrites resource `id`'s stored body behind the catalog's back (no validation), the way a
  // manual edit or an older version would leave it: for tests of what readers do with it.
  std::function<core::Status(const std::string& dir, int64_t workspace_id, const std::string& id,
                             const std::string& body)>
      overwrite_body;
};

// gtest prints a case by its name (in test names and failure messages).
inline void PrintTo(const BackendCase& c, std::ostream* os) { *os << c.name; }

inline std::vector<BackendCase> EveryBackend() {
  return {{"Sqlite", [](const std::string& dir) { return OpenBackend(StoreInDataDir(dir)); },
           [](const std::string& dir, int64_t workspace_id, const std::string& id,
              const std::string& body) -> core::Status {
             ASSIGN_OR_RETURN(std::unique_ptr<db::Db> db,
                              db::Db::Open(StoreInDataDir(dir).database_path, /*create=*/false));
             ASSIGN_OR_RETURN(db::Stmt stmt,
                              db->Prepare("UPDATE resources SET body = ?3 WHERE workspace_id = ?1 "
                                          "AND id = ?2"));
             stmt.Bind(1, workspace_id).Bind(2, id).Bind(3, body);
             return stmt.Run();
           }}};
}

// A fresh backend and one session on it, with a fake clock.
class BackendTest : public ::testing::TestWithParam<BackendCase> {
 protected:
  void SetUp() override {
    auto backend = GetParam().open(dir_.path());
    ASSERT_TRUE(backend.ok()) << backend.status().ToString();
    backend_ = std::move(*backend);
    auto session = NewSession();
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    session_ = std::move(*session);
  }

  // Another session on the same backend (another thread's or process's connection).
  core::StatusOr<std::unique_ptr<Session>> NewSession() {
    return backend_->NewSession(
        {.clock = &clock_, .providers = &wsync::testing::BuiltinProviders()});
  }

  // See BackendCase::overwrite_body.
  core::Status OverwriteBody(int64_t workspace_id, const std::string& id, const std::string& body) {
    return GetParam().overwrite_body(dir_.path(), workspace_id, id, body);
  }

  wsync::testing::TempDir dir_;
  core::FakeClock clock_{1'700'000'000'000'000};
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Session> session_;
};

}  // namespace wsync::storage::testing

#define WSYNC_INSTANTIATE_FOR_EVERY_BACKEND(suite)                                         \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                                \
                           ::testing::ValuesIn(::wsync::storage::testing::EveryBackend()), \
                           [](const auto& info) { return info.param.name; })
