// Static check that a data model is one read-only query (SPEC §2). Pure function, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace wsync::warehouse {

// Returns the statement without a trailing ';' (and surrounding blanks) when it is one
// statement that starts with SELECT or WITH and holds none of INSERT, UPDATE, DELETE, MERGE,
// DROP, CREATE, ALTER, TRUNCATE, GRANT, REVOKE, COPY, CALL, nor SELECT … INTO — keywords
// matched outside string literals, quoted identifiers and comments. Otherwise InvalidArgument
// whose message names the offending keyword (or says why).
core::StatusOr<std::string> CheckReadOnlySql(std::string_view sql);

}  // namespace wsync::warehouse
