// The scope scan behind the `global` rule; see globals_rule.hpp.

#include "globals_rule.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace orrery::lint {
namespace {

enum class Scope { namespace_scope, class_scope, enum_scope, block_scope };

bool is_identifier_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

// The code with preprocessor lines (and their continuations) blanked: a macro body is not a
// declaration.
std::string without_directives(const std::string& code) {
  std::string out = code;
  bool in_directive = false;
  std::size_t line_start = 0;
  while (line_start < out.size()) {
    std::size_t line_end = out.find('\n', line_start);
    if (line_end == std::string::npos) line_end = out.size();
    const std::size_t first = out.find_first_not_of(" \t", line_start);
    if (!in_directive && first < line_end && out[first] == '#') in_directive = true;
    if (in_directive) {
      const bool continued = line_end > line_start && out[line_end - 1] == '\\';
      std::fill(out.begin() + static_cast<std::ptrdiff_t>(line_start),
                out.begin() + static_cast<std::ptrdiff_t>(line_end), ' ');
      in_directive = continued;
    }
    line_start = line_end + 1;
  }
  return out;
}

/// The identifiers of a declaration's prefix, outside template arguments.
std::vector<std::string_view> top_level_words(std::string_view text) {
  std::vector<std::string_view> words;
  int angle_depth = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '<') ++angle_depth;
    if (c == '>' && angle_depth > 0) --angle_depth;
    if (!is_identifier_char(c)) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (i < text.size() && is_identifier_char(text[i]))
      ++i;
    if (angle_depth == 0) words.push_back(text.substr(start, i - start));
  }
  return words;
}

bool contains(const std::vector<std::string_view>& words, std::string_view word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

/// Skips `[[...]]`, `alignas(...)` and `template <...>` at the start of a statement.
std::size_t skip_prelude(std::string_view text, std::size_t i) {
  for (;;) {
    while (i < text.size() && is_space(text[i]))
      ++i;
    const std::string_view rest = text.substr(i);
    char open = 0;
    char close = 0;
    std::size_t body = 0;
    if (rest.starts_with("[[")) {
      open = '[', close = ']', body = 0;
    } else if (rest.starts_with("alignas")) {
      open = '(', close = ')', body = rest.find('(');
    } else if (rest.starts_with("template")) {
      open = '<', close = '>', body = rest.find('<');
    } else {
      return i;
    }
    if (body == std::string_view::npos) return i;
    int depth = 0;
    std::size_t j = body;
    for (; j < rest.size(); ++j) {
      if (rest[j] == open) ++depth;
      if (rest[j] == close && --depth == 0) break;
    }
    if (j >= rest.size()) return i;
    i += j + 1;
  }
}

/// Where a declaration's prefix ends: its first `=`, `{` or `(` outside template arguments
/// (`==`, `<=`, `>=`, `!=` and `operator=` are not initializers).
std::size_t prefix_end(std::string_view text) {
  int angle_depth = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '<') ++angle_depth;
    if (c == '>' && angle_depth > 0) --angle_depth;
    if (c == '(' || c == '{') return i;
    if (c != '=' || angle_depth > 0) continue;
    const char before = i > 0 ? text[i - 1] : ' ';
    const char after = i + 1 < text.size() ? text[i + 1] : ' ';
    if (after == '=' || before == '=' || before == '!' || before == '<' || before == '>') continue;
    if (text.substr(0, i).ends_with("operator")) continue;
    return i;
  }
  return text.size();
}

bool starts_with_word(std::string_view text, std::string_view word) {
  return text.starts_with(word) &&
         (text.size() == word.size() || !is_identifier_char(text[word.size()]));
}

class GlobalsScan {
 public:
  GlobalsScan(const LintedFile& file, std::vector<Violation>& out)
      : file_(file), code_(without_directives(file.text.code)), out_(out) {}

  void run() {
    scopes_.push_back({Scope::namespace_scope, 0, 0, false});
    for (std::size_t i = 0; i < code_.size(); ++i)
      step(i);
  }

 private:
  struct Frame {
    Scope scope;
    std::size_t head_start;  // of the enclosing statement, resumed after `}` when it goes on
    int paren_depth;
    bool statement_goes_on;  // an initializer or lambda inside a statement
  };

  void step(std::size_t i) {
    const char c = code_[i];
    if (c == '(' || c == '[') ++paren_depth_;
    if ((c == ')' || c == ']') && paren_depth_ > 0) --paren_depth_;
    if (c == ';' && paren_depth_ == 0) {
      end_statement(i);
      head_start_ = i + 1;
    }
    if (c == ':' && scopes_.back().scope == Scope::class_scope && is_access_label(i)) {
      head_start_ = i + 1;
    }
    if (c == '{') open_brace(i);
    if (c == '}') close_brace(i);
  }

  std::string_view head(std::size_t end) const {
    return std::string_view(code_).substr(head_start_, end - head_start_);
  }

  bool is_access_label(std::size_t colon) const {
    if (colon + 1 < code_.size() && code_[colon + 1] == ':') return false;
    const std::vector<std::string_view> words = top_level_words(head(colon));
    return words.size() == 1 &&
           (words[0] == "public" || words[0] == "private" || words[0] == "protected");
  }

  void open_brace(std::size_t i) {
    const auto [scope, goes_on] = classify(head(i));
    scopes_.push_back({scope, head_start_, paren_depth_, goes_on});
    head_start_ = i + 1;
    paren_depth_ = 0;
  }

  void close_brace(std::size_t i) {
    if (scopes_.size() == 1) return;  // unbalanced: ignore
    const Frame frame = scopes_.back();
    scopes_.pop_back();
    paren_depth_ = frame.paren_depth;
    head_start_ = frame.statement_goes_on ? frame.head_start : i + 1;
  }

  // What the `{` after `text` opens, and whether the statement around it goes on after `}`.
  std::pair<Scope, bool> classify(std::string_view text) const {
    if (paren_depth_ > 0) return {Scope::block_scope, true};  // a lambda or list in arguments
    const std::string_view statement = text.substr(skip_prelude(text, 0));
    const std::vector<std::string_view> words = top_level_words(statement);
    if (contains(words, "namespace")) return {Scope::namespace_scope, false};
    if (starts_with_word(statement, "extern") && statement.find('"') != std::string_view::npos) {
      return {Scope::namespace_scope, false};  // extern "C" { ... }
    }
    if (contains(words, "enum")) return {Scope::enum_scope, true};
    const bool class_head = !words.empty() && (words[0] == "class" || words[0] == "struct" ||
                                               words[0] == "union" || words[0] == "typedef");
    const std::size_t end = prefix_end(statement);
    if (class_head && end == statement.size()) return {Scope::class_scope, true};
    if (end < statement.size() && statement[end] == '=') return {Scope::block_scope, true};
    if (end < statement.size() && statement[end] == '(') return {Scope::block_scope, false};
    // `Type name{...}` or `Type{...}` goes on; `else {`, `do {`, `try {` do not.
    const bool keyword = words.empty() || words.back() == "else" || words.back() == "do" ||
                         words.back() == "try" || words.back() == "return";
    return {Scope::block_scope, !keyword};
  }

  void end_statement(std::size_t end) {
    const std::string_view text = head(end);
    const std::size_t start = skip_prelude(text, 0);
    const std::string_view statement = text.substr(start);
    const std::size_t declared_at = head_start_ + start;
    const std::size_t prefix_length = prefix_end(statement);
    const std::string_view prefix = statement.substr(0, prefix_length);
    const std::vector<std::string_view> words = top_level_words(prefix);
    if (words.empty()) return;
    const std::size_t thread_local_at = prefix.find("thread_local");
    if (contains(words, "thread_local")) {
      report(declared_at + thread_local_at, "thread_local '" + std::string(words.back()) +
                                                "': per-thread state outlives the actors using it");
      return;
    }
    const bool function_or_call =
        prefix_length < statement.size() && statement[prefix_length] == '(';
    if (function_or_call || contains(words, "const") || contains(words, "constexpr")) return;
    // A type alias declares no variable, whatever precedes it (`__extension__ using X = ...`).
    if (contains(words, "using") || contains(words, "typedef")) return;
    judge(words, declared_at);
  }

  void judge(const std::vector<std::string_view>& words, std::size_t declared_at) {
    const std::string name(words.back());
    const bool is_static =
        words[0] == "static" || (words.size() > 1 && words[0] == "inline" && words[1] == "static");
    switch (scopes_.back().scope) {
      case Scope::namespace_scope:
        if (words.size() < 2 || is_declaration_keyword(words[0])) return;
        report(declared_at, "mutable namespace-scope variable '" + name +
                                "': state belongs to an actor or an ActorSystem");
        return;
      case Scope::class_scope:
        if (!is_static) return;
        report(declared_at, "mutable static data member '" + name +
                                "': state belongs to an actor or an ActorSystem");
        return;
      case Scope::block_scope:
        if (!is_static) return;
        report(declared_at, "mutable function-local static '" + name +
                                "': state belongs to an actor or an ActorSystem");
        return;
      case Scope::enum_scope:
        return;
    }
  }

  static bool is_declaration_keyword(std::string_view word) {
    constexpr std::array keywords{"using",         "typedef", "namespace", "template", "class",
                                  "struct",        "union",   "enum",      "extern",   "friend",
                                  "static_assert", "concept", "export",    "import",   "module",
                                  "return",        "operator"};
    return std::find(keywords.begin(), keywords.end(), word) != keywords.end();
  }

  void report(std::size_t offset, std::string message) {
    out_.push_back({file_.path, file_.text.line_of(offset), "global", std::move(message)});
  }

  const LintedFile& file_;
  std::string code_;
  std::vector<Violation>& out_;
  std::vector<Frame> scopes_;
  std::size_t head_start_ = 0;
  int paren_depth_ = 0;
};

}  // namespace

void check_globals(const LintedFile& file, std::vector<Violation>& out) {
  GlobalsScan(file, out).run();
}

}  // namespace orrery::lint
