#pragma once
// A migration file read as the statements it runs, for `gatehouse migrate --dry-run`: the
// backends run a file as one script, so this is only for showing what a script will do, never for
// running it. Internal to storage/ (and the command line that prints the plan).
//
// The reader knows what can hide a ';' that does not end a statement, in both dialects: '--' and
// /* */ comments, 'strings', "identifiers", and besides those PostgreSQL's $tag$ dollar quotes
// (function bodies) and SQLite's `identifiers`, [identifiers] and the BEGIN ... END; body of a
// CREATE TRIGGER (inside it a ';' ends the statement only right after END, as sqlite3_complete
// reads it). An unterminated quote or comment runs to the end of the text: the rest is one
// statement, never an endless loop. Not read: PostgreSQL's E'...' strings with backslash escapes
// (no migration uses them).

#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "storage/query.hpp"

namespace gatehouse::storage {
namespace sql_script_detail {

/// What starts at a position of the text.
enum class Piece { kSpace, kComment, kQuoted, kWord, kSemicolon, kOther };

inline bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '$'; }

inline bool same_word(std::string_view word, std::string_view upper) {
  if (word.size() != upper.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (std::toupper(static_cast<unsigned char>(word[i])) != upper[i]) return false;
  return true;
}

/// The length of the piece of `kind` at `at` (at least 1); text.size() - at if it never ends.
inline std::size_t piece_at(std::string_view text, std::size_t at, Dialect dialect, Piece& kind) {
  const std::string_view rest = text.substr(at);
  const char c = rest[0];
  auto until = [&](std::string_view end, std::size_t from) {
    const auto found = rest.find(end, from);
    return found == std::string_view::npos ? rest.size() : found + end.size();
  };
  if (std::isspace(static_cast<unsigned char>(c)) != 0) {
    kind = Piece::kSpace;
    std::size_t n = 1;
    while (n < rest.size() && std::isspace(static_cast<unsigned char>(rest[n])) != 0) ++n;
    return n;
  }
  kind = Piece::kComment;
  if (rest.starts_with("--")) return until("\n", 2);
  if (rest.starts_with("/*")) return until("*/", 2);
  kind = Piece::kQuoted;
  // A doubled quote inside ('it''s') reads as the end and a new start: still one run of pieces.
  if (c == '\'' || c == '"') return until(std::string_view(&rest[0], 1), 1);
  if (dialect == Dialect::kSqlite && c == '`') return until("`", 1);
  if (dialect == Dialect::kSqlite && c == '[') return until("]", 1);
  if (dialect == Dialect::kPostgres && c == '$') {
    // $$ or $tag$ (tag: letters, digits, _; not a leading digit, so $1 stays a parameter).
    std::size_t n = 1;
    while (n < rest.size() && (std::isalnum(static_cast<unsigned char>(rest[n])) != 0 || rest[n] == '_')) ++n;
    if (n < rest.size() && rest[n] == '$' && (n == 1 || std::isdigit(static_cast<unsigned char>(rest[1])) == 0))
      return until(rest.substr(0, n + 1), n + 1);
  }
  if (word_char(c)) {
    kind = Piece::kWord;
    std::size_t n = 1;
    while (n < rest.size() && word_char(rest[n])) ++n;
    return n;
  }
  kind = c == ';' ? Piece::kSemicolon : Piece::kOther;
  return 1;
}

}  // namespace sql_script_detail

/// The statements of `script` in order, each as written (from its first character that is not
/// space or a comment up to, not including, its ';'); comments and space between statements are
/// dropped, and so is an empty statement. Never fails: text it cannot read ends up in the last
/// statement.
inline std::vector<std::string> split_sql_script(std::string_view script, Dialect dialect) {
  using namespace sql_script_detail;
  std::vector<std::string> out;
  std::size_t start = std::string_view::npos;  // of the statement being read
  std::size_t words = 0;                       // words read in it, up to the fourth
  bool trigger = false;                        // CREATE [TEMP|TEMPORARY] TRIGGER (SQLite)
  std::string_view last_word;
  auto finish = [&](std::size_t end) {
    if (start != std::string_view::npos) out.emplace_back(script.substr(start, end - start));
    start = std::string_view::npos;
    words = 0;
    trigger = false;
    last_word = {};
  };
  for (std::size_t at = 0; at < script.size();) {
    Piece kind{};
    const std::size_t n = piece_at(script, at, dialect, kind);
    if (kind == Piece::kSemicolon && (!trigger || same_word(last_word, "END"))) {
      finish(at);
    } else if (kind != Piece::kSpace && kind != Piece::kComment) {
      if (start == std::string_view::npos) start = at;
      last_word = kind == Piece::kWord ? script.substr(at, n) : std::string_view{};
      if (kind == Piece::kWord && dialect == Dialect::kSqlite && ++words <= 3) {
        if (words == 1 && !same_word(last_word, "CREATE")) words = 4;  // not a CREATE: never a trigger
        if (words > 1 && same_word(last_word, "TRIGGER")) trigger = true;
        if (words == 2 && !same_word(last_word, "TEMP") && !same_word(last_word, "TEMPORARY")) words = 3;
      }
    }
    at += n;
  }
  // Trailing text without a ';' (the last statement of a file may omit it).
  if (start != std::string_view::npos) {
    std::size_t end = script.size();
    while (end > start && std::isspace(static_cast<unsigned char>(script[end - 1])) != 0) --end;
    finish(end);
  }
  return out;
}

/// `statement` on one line for an operator: comments dropped, every run of space (inside quotes
/// too: it is for reading, not running) one blank, cut to at most `max_chars` bytes with "..."
/// when longer.
inline std::string summarize_sql(std::string_view statement, Dialect dialect, std::size_t max_chars = 100) {
  using namespace sql_script_detail;
  std::string line;
  for (std::size_t at = 0; at < statement.size();) {
    Piece kind{};
    const std::size_t n = piece_at(statement, at, dialect, kind);
    if (kind == Piece::kSpace || kind == Piece::kComment) {
      if (!line.empty() && line.back() != ' ') line += ' ';
    } else {
      for (char c : statement.substr(at, n)) {
        const bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
        if (!space) line += c;
        else if (!line.empty() && line.back() != ' ') line += ' ';
      }
    }
    at += n;
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  if (line.size() > max_chars) {
    line.resize(max_chars > 3 ? max_chars - 3 : 0);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    line += "...";
  }
  return line;
}

}  // namespace gatehouse::storage
