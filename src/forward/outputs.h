// A pipeline's outputs (SPEC §11) as the forwarder uses them: parsed from the pipeline body
// with their secrets opened (catalog::RevealOutputs), each named by a key that outlives
// edits of its credentials ("http:<url>", "jsonl:<path>") — the outbox keeps each output's
// progress under it. Also the JSON-lines file output: written only under the directories the
// operator allows (`serve --output-dir`), checked on the real path, never the deployment's own
// files. Pure functions and a stateless writer; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "storage/outbox.h"

namespace wsync::forward {

enum class OutputType { kHttp, kJsonl };

struct OutputSpec {
  OutputType type = OutputType::kHttp;
  std::string key;
  // http
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::pair<std::string, std::string>> basic_auth;  // username, password
  bool gzip = false;
  std::optional<int> max_attempts;
  // jsonl
  std::string path;
};

// Reads the revealed outputs of a stored (validated) pipeline body.
core::StatusOr<std::vector<OutputSpec>> ParseOutputs(const nlohmann::json& outputs);

// Where JSON-lines outputs may write: the operator's directories (made real paths) and the
// deployment's data directory (never written).
struct FileRules {
  std::vector<std::string> output_dirs;
  std::string data_dir;
};

// The operator's directories as real paths; InvalidArgument naming one that is not a
// directory.
core::StatusOr<std::vector<std::string>> ResolveOutputDirs(const std::vector<std::string>& dirs);

// Appends one line per entry to the output's file and flushes it to disk. `path` is relative
// to the first allowed directory, or absolute under one of them; the real path of its directory
// must lie under one, outside the data directory; the file is created 0600, never followed
// through a symlink, and must be a regular file. PermissionDenied otherwise (the message names
// the output's path, not what is there).
core::Status AppendLines(const FileRules& rules, const std::string& path,
                         const std::vector<storage::OutboxEntry>& entries);

}  // namespace wsync::forward
