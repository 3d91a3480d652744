// The CLI's subcommands (SPEC §10). Each returns the process exit code: 0 succeeded (row errors
// allowed), 1 a run failed, 2 bad input. Output goes to stdout, diagnostics to stderr.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace wsync::cli {

struct RunArgs {
  std::string config_file;
  std::string data_dir;
  std::optional<std::string> pipeline_id;
  int64_t workspace_id = 1;
};

int Demo(const std::string& data_dir);
int RunConfig(const RunArgs& args);
int ApplyConfigFile(const RunArgs& args);

}  // namespace wsync::cli
