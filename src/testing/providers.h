// Every built-in warehouse provider (warehouse::RegisterBuiltinProviders, SQLite files not
// confined to any directory), for tests that open a catalog or parse connections without an
// Engine. Built on first use; const and thread-safe after that.
#pragma once

#include "warehouse/builtin_providers.h"
#include "warehouse/registry.h"

namespace wsync::testing {

inline const warehouse::Registry& BuiltinProviders() {
  static const warehouse::Registry* const registry = [] {
    auto* r = new warehouse::Registry();
    warehouse::RegisterBuiltinProviders(r);
    return r;
  }();
  return *registry;
}

}  // namespace wsync::testing
