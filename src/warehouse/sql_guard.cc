#include "warehouse/sql_guard.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace wsync::warehouse {
namespace {

// What the guard needs to know about a significant piece of the text. Literals and quoted
// identifiers are kept as tokens (they end the statement's text) but never match a keyword.
enum class TokenKind { kWord, kQuoted, kSemicolon, kOther };

struct Token {
  TokenKind kind;
  size_t begin;
  size_t end;  // one past the last character
};

constexpr std::array<std::string_view, 12> kForbidden = {"INSERT", "UPDATE", "DELETE", "MERGE",
                                                         "DROP",   "CREATE", "ALTER",  "TRUNCATE",
                                                         "GRANT",  "REVOKE", "COPY",   "CALL"};

bool IsWordChar(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  // Bytes >= 0x80 belong to UTF-8 identifiers, which every dialect we speak accepts.
  return std::isalnum(u) || c == '_' || c == '$' || u >= 0x80;
}

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Finds the end of a quoted run opened at `pos` by `open` and closed by `close`; a doubled
// closing character is an escaped one. Returns npos when the text ends first.
size_t QuotedEnd(std::string_view sql, size_t pos, char close, bool backslash_escapes) {
  for (size_t i = pos + 1; i < sql.size(); ++i) {
    if (backslash_escapes && sql[i] == '\\') {
      ++i;
      continue;
    }
    if (sql[i] != close) continue;
    if (close != ']' && i + 1 < sql.size() && sql[i + 1] == close) {
      ++i;
      continue;
    }
    return i + 1;
  }
  return std::string_view::npos;
}

// A PostgreSQL dollar-quote opener: "$$" or "$tag$" with tag an identifier that does not start
// with a digit ("$1" is a parameter). Returns the opener's length, or 0.
size_t DollarTagLength(std::string_view sql, size_t pos) {
  size_t i = pos + 1;
  if (i < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i]))) return 0;
  while (i < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_')) ++i;
  if (i < sql.size() && sql[i] == '$') return i + 1 - pos;
  return 0;
}

// Whether the quote at `pos` opens a BigQuery raw literal: the word token just before it, with
// nothing between, is r, R, br, rb (any case).
bool RawPrefix(std::string_view sql, size_t pos, const std::vector<Token>& tokens) {
  if (tokens.empty() || tokens.back().kind != TokenKind::kWord || tokens.back().end != pos) {
    return false;
  }
  const std::string word = Upper(sql.substr(tokens.back().begin, pos - tokens.back().begin));
  return word == "R" || word == "BR" || word == "RB";
}

core::Status Tokenize(std::string_view sql, SqlDialect dialect, std::vector<Token>* tokens) {
  const bool postgres = dialect == SqlDialect::kPostgres;
  const bool snowflake = dialect == SqlDialect::kSnowflake;
  const bool bigquery = dialect == SqlDialect::kBigQuery;
  const bool databricks = dialect == SqlDialect::kDatabricks;
  const auto unterminated = [](std::string_view what) {
    return core::InvalidArgument("the data model has an unterminated " + std::string(what));
  };
  size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (IsBlank(c)) {
      ++i;
    } else if (bigquery && c == '#') {
      size_t nl = sql.find('\n', i);
      i = nl == std::string_view::npos ? sql.size() : nl + 1;
    } else if (bigquery && (c == '\'' || c == '"') && sql.substr(i, 3) == std::string(3, c)) {
      // A triple-quoted string ends at the next unescaped run of its three quotes.
      const bool raw = RawPrefix(sql, i, *tokens);
      size_t j = i + 3;
      while (j < sql.size() && sql.substr(j, 3) != std::string(3, c))
        j += !raw && sql[j] == '\\' ? 2 : 1;
      if (j >= sql.size()) return unterminated("string literal");
      tokens->push_back({TokenKind::kQuoted, i, j + 3});
      i = j + 3;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      size_t nl = sql.find('\n', i);
      i = nl == std::string_view::npos ? sql.size() : nl + 1;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      // Not nested: in SQLite "/* /* */ DROP */" runs DROP, so treating it as code is the safe
      // reading for every dialect.
      size_t close = sql.find("*/", i + 2);
      if (close == std::string_view::npos) return unterminated("comment");
      i = close + 2;
    } else if (c == '\'' || c == '"' || c == '`' || (c == '[' && !bigquery)) {
      char close = c == '[' ? ']' : c;
      // PostgreSQL E'...' strings take backslash escapes; the E is the previous word token.
      // Snowflake strings always do, and so do Databricks' '...' and "..." strings.
      bool escapes =
          (snowflake && c == '\'') || (bigquery && c != '[' && !RawPrefix(sql, i, *tokens)) ||
          (databricks && (c == '\'' || c == '"')) ||
          (postgres && c == '\'' && !tokens->empty() && tokens->back().kind == TokenKind::kWord &&
           tokens->back().end == i && tokens->back().end - tokens->back().begin == 1 &&
           (sql[i - 1] == 'E' || sql[i - 1] == 'e'));
      size_t end = QuotedEnd(sql, i, close, escapes);
      if (end == std::string_view::npos) {
        return unterminated(c == '\'' ? "string literal" : "quoted identifier");
      }
      tokens->push_back({TokenKind::kQuoted, i, end});
      i = end;
    } else if ((postgres && c == '$' && DollarTagLength(sql, i) > 0) ||
               (snowflake && sql.substr(i, 2) == "$$")) {
      // Snowflake's $$...$$ has no tag.
      size_t len = snowflake ? 2 : DollarTagLength(sql, i);
      size_t close = sql.find(sql.substr(i, len), i + len);
      if (close == std::string_view::npos) return unterminated("dollar-quoted string");
      tokens->push_back({TokenKind::kQuoted, i, close + len});
      i = close + len;
    } else if (IsWordChar(c)) {
      size_t start = i;
      while (i < sql.size() && IsWordChar(sql[i])) ++i;
      tokens->push_back({TokenKind::kWord, start, i});
    } else {
      tokens->push_back({c == ';' ? TokenKind::kSemicolon : TokenKind::kOther, i, i + 1});
      ++i;
    }
  }
  return core::Status::Ok();
}

}  // namespace

core::StatusOr<std::string> CheckReadOnlySql(std::string_view sql, SqlDialect dialect) {
  std::vector<Token> tokens;
  RETURN_IF_ERROR(Tokenize(sql, dialect, &tokens));
  if (tokens.empty()) return core::InvalidArgument("the data model is empty");

  // One statement: a ';' may only be followed by blanks and comments.
  auto semicolon = std::find_if(tokens.begin(), tokens.end(),
                                [](const Token& t) { return t.kind == TokenKind::kSemicolon; });
  if (semicolon != tokens.end()) {
    if (semicolon + 1 != tokens.end()) {
      return core::InvalidArgument(
          "the data model must be a single statement; remove everything after the ';'");
    }
    tokens.pop_back();
    if (tokens.empty()) return core::InvalidArgument("the data model is empty");
  }

  const Token& first = tokens.front();
  std::string first_text(sql.substr(first.begin, first.end - first.begin));
  std::string first_upper = Upper(first_text);
  if (first.kind != TokenKind::kWord || (first_upper != "SELECT" && first_upper != "WITH")) {
    return core::InvalidArgument("the data model must start with SELECT or WITH, found '" +
                                 first_text + "'");
  }

  for (const Token& t : tokens) {
    if (t.kind != TokenKind::kWord) continue;
    std::string word = Upper(sql.substr(t.begin, t.end - t.begin));
    if (std::find(kForbidden.begin(), kForbidden.end(), word) != kForbidden.end()) {
      return core::InvalidArgument("the data model is read-only: '" + word + "' is not allowed");
    }
    // Every other statement that takes INTO is refused above, so INTO here is SELECT ... INTO,
    // which creates a table (PostgreSQL, SQL Server) or writes variables.
    if (word == "INTO") {
      return core::InvalidArgument("the data model is read-only: 'SELECT ... INTO' is not allowed");
    }
  }

  // Ending at the last token also drops a trailing "-- comment" that would otherwise swallow
  // the closing parenthesis when the model is wrapped as a subquery.
  return std::string(sql.substr(first.begin, tokens.back().end - first.begin));
}

}  // namespace wsync::warehouse
