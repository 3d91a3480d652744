// The SQLite backend (storage/backend.h): one database file, WAL mode. Each session opens one
// connection, shared by its catalog, profile store and credential store, and hands that
// connection's WAL checkpoints to a background thread (checkpointer.h) so a sync's commits do
// not wait for them. Write exclusivity comes from SQLite's single write lock: every write
// transaction takes it up front (BEGIN IMMEDIATE), which serialises writers of all scopes.
#pragma once

#include <memory>

#include "storage/backend.h"

namespace wsync::storage {

// Creates the database file when missing and migrates it (schema.h).
core::StatusOr<std::unique_ptr<Backend>> OpenSqliteBackend(const StoreLocation& location);

}  // namespace wsync::storage
