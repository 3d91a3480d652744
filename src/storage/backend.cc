#include "storage/backend.h"

#include "storage/sqlite/sqlite_backend.h"

namespace wsync::storage {

core::StatusOr<std::unique_ptr<Backend>> OpenBackend(const StoreLocation& location) {
  // ParseStoreUrl accepts only the schemes this build has a backend for.
  if (location.url.starts_with("sqlite:")) return OpenSqliteBackend(location);
  return core::InvalidArgument("no storage backend for '" + location.url + "'");
}

}  // namespace wsync::storage
