// Static check that a data model is one read-only query (SPEC §2). Pure function, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace wsync::warehouse {

// How the text is tokenised. SQLite has neither E'...' strings (backslash escapes) nor
// $tag$...$tag$ quotes: reading them as PostgreSQL does would hide a keyword from the guard
// (`SELECT e'\' ... DELETE ... '` is a string, then DELETE, to SQLite).
// kSnowflake: string literals take backslash escapes ('it\'s') and $$...$$ quotes text.
// kBigQuery (GoogleSQL): '...' and "..." are strings and `...` identifiers, all three with
// backslash escapes unless the literal is raw (r'...', br"..."); '''...''' and """...""" are
// triple-quoted strings; '#' starts a comment to the end of the line.
// kDatabricks: '...' and "..." are strings with backslash escapes, `...` identifiers.
enum class SqlDialect { kSqlite, kPostgres, kSnowflake, kBigQuery, kDatabricks };

// Returns the statement without a trailing ';' (and surrounding blanks) when it is one
// statement that starts with SELECT or WITH and holds none of INSERT, UPDATE, DELETE, MERGE,
// DROP, CREATE, ALTER, TRUNCATE, GRANT, REVOKE, COPY, CALL, nor SELECT … INTO — keywords
// matched outside string literals, quoted identifiers and comments. Otherwise InvalidArgument
// whose message names the offending keyword (or says why). Saving a model (which knows no
// connection yet) uses the SQLite reading, the strictest; each connector checks again in its
// own dialect before it runs the model.
core::StatusOr<std::string> CheckReadOnlySql(std::string_view sql,
                                             SqlDialect dialect = SqlDialect::kSqlite);

}  // namespace wsync::warehouse
