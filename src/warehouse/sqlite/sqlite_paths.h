// Which SQLite files a connection may open (SPEC §2, §12). API clients are not trusted: their
// `config.path` must resolve (realpath, so symlinks, "..", /proc/self/fd/N and relative paths
// are seen for what they are) to a regular file under a directory the operator allowed with
// `wsync serve --sqlite-dir DIR`, outside the deployment's data directory and outside /proc,
// /sys and /dev. Every refusal gives one message, so a client cannot tell a missing file from a
// forbidden one. Operator config files (`wsync run` / `apply`) are trusted: any regular file
// except the deployment's own (wsync.db and its -wal/-shm/-journal, secret.key).
//
// Threads: pure functions of their arguments and the file system; thread-safe.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/status.h"

namespace wsync::warehouse {

struct SqliteOptions {
  // Real paths of the directories API clients' files must be under; empty: none.
  std::vector<std::string> allowed_dirs;
  // Real path of the deployment's data directory (its database, secret.key); empty: none.
  std::string deployment_dir;
  // The file name of the deployment's database in that directory (`--store` may rename it).
  std::string database_name = "wsync.db";
};

// Resolves `dirs` and `deployment_dir` to real paths. InvalidArgument naming the flag when an
// allowed directory does not exist or is not a directory.
core::StatusOr<SqliteOptions> ResolveSqliteOptions(const std::vector<std::string>& dirs,
                                                   const std::string& deployment_dir,
                                                   const std::string& database_name = "wsync.db");

// A file that passed the checks: its real path (no symlink in it) and identity, which the
// caller compares with what it opened.
struct ConfinedFile {
  std::string real_path;
  dev_t dev = 0;
  ino_t ino = 0;
};

core::StatusOr<ConfinedFile> ConfineSqlitePath(const std::string& path,
                                               const SqliteOptions& options, bool trusted);

// True when the file at (dev, ino) is one of the deployment's own files.
bool IsDeploymentFile(const SqliteOptions& options, dev_t dev, ino_t ino);

// The one answer an API client gets for any path it may not open.
core::Status SqliteFileUnavailable(const std::string& path, const SqliteOptions& options);

}  // namespace wsync::warehouse
