#include "warehouse/sqlite/sqlite_paths.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <array>
#include <memory>
#include <optional>
#include <string_view>

namespace wsync::warehouse {
namespace {

// The deployment's own files in its data directory (db/sqlite_db.cc, core/secret_box.cc).
std::array<std::string, 5> DeploymentFiles(const SqliteOptions& options) {
  const std::string& db = options.database_name;
  return {db, db + "-wal", db + "-shm", db + "-journal", "secret.key"};
}
// Kernel and device trees: nothing there is a warehouse, and /proc/self/... reaches the
// server's own open files.
constexpr std::array<std::string_view, 3> kSystemTrees = {"/proc", "/sys", "/dev"};

std::optional<std::string> RealPath(const std::string& path) {
  std::unique_ptr<char, decltype(&free)> resolved(realpath(path.c_str(), nullptr), &free);
  if (resolved == nullptr) return std::nullopt;
  return std::string(resolved.get());
}

// `path` is `dir` or lies below it (both real paths).
bool IsUnder(std::string_view path, std::string_view dir) {
  if (dir.empty()) return false;
  if (dir == "/") return true;
  return path == dir ||
         (path.size() > dir.size() && path.substr(0, dir.size()) == dir && path[dir.size()] == '/');
}

bool IsDeploymentPath(const SqliteOptions& options, std::string_view real) {
  if (options.deployment_dir.empty()) return false;
  for (const std::string& name : DeploymentFiles(options)) {
    if (real == options.deployment_dir + "/" + name) return true;
  }
  return false;
}

}  // namespace

core::StatusOr<SqliteOptions> ResolveSqliteOptions(const std::vector<std::string>& dirs,
                                                   const std::string& deployment_dir,
                                                   const std::string& database_name) {
  SqliteOptions options;
  options.database_name = database_name;
  for (const std::string& dir : dirs) {
    std::optional<std::string> real = RealPath(dir);
    struct stat st;
    if (!real || stat(real->c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return core::InvalidArgument("--sqlite-dir '" + dir + "' is not an existing directory");
    }
    options.allowed_dirs.push_back(*real);
  }
  if (!deployment_dir.empty()) {
    std::optional<std::string> real = RealPath(deployment_dir);
    if (!real) {
      return core::InvalidArgument("data directory '" + deployment_dir + "' cannot be resolved");
    }
    options.deployment_dir = *real;
  }
  return options;
}

bool IsDeploymentFile(const SqliteOptions& options, dev_t dev, ino_t ino) {
  if (options.deployment_dir.empty()) return false;
  for (const std::string& name : DeploymentFiles(options)) {
    struct stat st;
    std::string p = options.deployment_dir + "/" + name;
    if (stat(p.c_str(), &st) == 0 && st.st_dev == dev && st.st_ino == ino) return true;
  }
  return false;
}

core::Status SqliteFileUnavailable(const std::string& path, const SqliteOptions& options) {
  std::string message = "SQLite database '" + path +
                        "' is not available: config.path must name an existing SQLite file "
                        "under a directory this server allows";
  if (options.allowed_dirs.empty()) {
    message +=
        "; this server allows none (the operator starts it with `wsync serve "
        "--sqlite-dir DIR`)";
  }
  return core::NotFound(message);
}

core::StatusOr<ConfinedFile> ConfineSqlitePath(const std::string& path,
                                               const SqliteOptions& options, bool trusted) {
  const core::Status refused = SqliteFileUnavailable(path, options);
  std::optional<std::string> real = RealPath(path);
  if (!real) {
    if (!trusted) return refused;
    return core::NotFound("SQLite database '" + path + "' does not exist; check config.path");
  }
  bool system = false;
  for (std::string_view tree : kSystemTrees) system |= IsUnder(*real, tree);
  // The deployment's own files, by name here and by identity below (hard links, bind mounts).
  const bool own = IsDeploymentPath(options, *real);
  if (!trusted) {
    bool allowed = false;
    for (const std::string& dir : options.allowed_dirs) allowed |= IsUnder(*real, dir);
    if (!allowed || system || own || IsUnder(*real, options.deployment_dir)) return refused;
  } else if (own || system) {
    return core::PermissionDenied("'" + path +
                                  "' is not a warehouse: wsync never reads its own files or "
                                  "/proc, /sys and /dev as a SQLite database");
  }
  // lstat: the real path holds no symlink, so a link here means it was swapped meanwhile.
  // A FIFO or device is refused before anything opens it (opening a FIFO would block).
  struct stat st;
  if (lstat(real->c_str(), &st) != 0) {
    if (!trusted) return refused;
    return core::NotFound("SQLite database '" + path + "' does not exist; check config.path");
  }
  if (!S_ISREG(st.st_mode)) {
    if (!trusted) return refused;
    if (S_ISDIR(st.st_mode)) {
      return core::InvalidArgument("'" + path + "' is a directory, not a SQLite database");
    }
    return core::InvalidArgument("'" + path + "' is not a regular file");
  }
  if (IsDeploymentFile(options, st.st_dev, st.st_ino)) {
    if (!trusted) return refused;
    return core::PermissionDenied("'" + path + "' is one of this deployment's own files");
  }
  return ConfinedFile{*real, st.st_dev, st.st_ino};
}

}  // namespace wsync::warehouse
