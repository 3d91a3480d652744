// The backends the contract suites run against, and their common fixture. A contract suite is a
// gtest value-parameterised test over BackendCase: each case opens a fresh, migrated backend in
// a temporary directory, so a new backend joins every suite by adding one case to
// EveryBackend() (and passing them).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/time.h"
#include "storage/backend.h"
#include "testing/providers.h"
#include "testing/temp_dir.h"

namespace wsync::storage::testing {

struct BackendCase {
  std::string name;  // a gtest name: letters and digits
  // Opens a fresh backend keeping its files under `dir`.
  std::function<core::StatusOr<std::unique_ptr<Backend>>(const std::string& dir)> open;
};

inline std::vector<BackendCase> EveryBackend() {
  return {{"Sqlite", [](const std::string& dir) { return OpenBackend(StoreInDataDir(dir)); }}};
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
