// The CLI's subcommands (SPEC §10). Each returns the process exit code: 0 succeeded (row errors
// allowed), 1 a run failed, 2 bad input. Output goes to stdout, diagnostics to stderr.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "app/engine.h"
#include "core/status.h"

namespace wsync::cli {

struct RunArgs {
  std::string config_file;
  std::optional<std::string> data_dir;  // --data-dir; default ./wsync-data
  std::optional<std::string> store;     // --store URL or WSYNC_STORE (SPEC §1)
  std::optional<std::string> pipeline_id;
  int64_t workspace_id = 1;
};

inline constexpr char kDefaultDataDir[] = "./wsync-data";

// The engine over `--store URL` (or WSYNC_STORE), else `--data-dir DIR`, else kDefaultDataDir.
core::StatusOr<std::unique_ptr<app::Engine>> OpenEngine(const std::optional<std::string>& store,
                                                        const std::optional<std::string>& data_dir);

int Demo(const std::string& data_dir);
int RunConfig(const RunArgs& args);
int ApplyConfigFile(const RunArgs& args);

}  // namespace wsync::cli
