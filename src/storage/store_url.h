// Where a deployment keeps everything it knows (SPEC §1): one database named by a URL —
// `--store URL` or WSYNC_STORE — or, without one, `--data-dir DIR` meaning
// `sqlite:///DIR/wsync.db`. The directory holding a SQLite database is the deployment's data
// directory (its secret key lives beside the database). Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace wsync::storage {

struct StoreLocation {
  std::string url;            // canonical: sqlite:///ABSOLUTE/PATH
  std::string data_dir;       // the directory of the database file
  std::string database_path;  // DATA_DIR/NAME
};

// `sqlite:///abs/path.db` (three slashes: an absolute path) or `sqlite:relative/path.db`.
// InvalidArgument for anything else, naming what is accepted (`postgresql://…` included: this
// build has no PostgreSQL backend yet).
core::StatusOr<StoreLocation> ParseStoreUrl(std::string_view url);

// What `--data-dir DIR` means: sqlite:///DIR/wsync.db.
StoreLocation StoreInDataDir(const std::string& data_dir);

// The location a command uses: `url` (the --store flag or WSYNC_STORE) when given, else
// `data_dir`. Both given and naming different directories is an InvalidArgument.
core::StatusOr<StoreLocation> ChooseStore(const std::optional<std::string>& url,
                                          const std::optional<std::string>& data_dir,
                                          const std::string& default_data_dir);

}  // namespace wsync::storage
