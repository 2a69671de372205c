// The lexer behind SourceText: just enough of C++'s to tell code from comments and literals
// (raw strings, encoding prefixes, escaped quotes, digit separators such as 1'000).

#include "source_text.hpp"

#include <algorithm>
#include <cctype>

namespace orrery::lint {
namespace {

bool is_identifier_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

class Splitter {
 public:
  explicit Splitter(std::string_view text) : text_(text) {
    out_.line_starts.push_back(0);
    out_.comments.emplace_back();
    out_.strings.emplace_back();
  }

  SourceText run() {
    while (pos_ < text_.size())
      step();
    return std::move(out_);
  }

 private:
  void step() {
    const char c = text_[pos_];
    if (c == '/' && peek(1) == '/') return line_comment();
    if (c == '/' && peek(1) == '*') return block_comment();
    if (c == '"') return quoted('"', include_line());
    if (c == '\'') return quoted('\'', false);
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) return number();
    if (is_identifier_char(c)) return identifier();
    emit_code(c);
    ++pos_;
  }

  char peek(std::size_t ahead) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }

  void emit_code(char c) {
    out_.code.push_back(c);
    if (c == '\n') {
      out_.line_starts.push_back(out_.code.size());
      out_.comments.emplace_back();
      out_.strings.emplace_back();
    }
  }

  void line_comment() {
    emit_code(' ');
    pos_ += 2;
    while (pos_ < text_.size() && text_[pos_] != '\n')
      out_.comments.back().push_back(text_[pos_++]);
  }

  void block_comment() {
    emit_code(' ');
    pos_ += 2;
    while (pos_ < text_.size() && !(text_[pos_] == '*' && peek(1) == '/')) {
      if (text_[pos_] == '\n') {
        emit_code('\n');
      } else {
        out_.comments.back().push_back(text_[pos_]);
      }
      ++pos_;
    }
    pos_ = std::min(pos_ + 2, text_.size());
  }

  // A literal: the quotes stay in the code, the contents go to `strings` (or stay, for the path
  // of an #include "...").
  void quoted(char quote, bool keep) {
    emit_code(quote);
    ++pos_;
    while (pos_ < text_.size() && text_[pos_] != quote && text_[pos_] != '\n') {
      std::size_t length = text_[pos_] == '\\' && pos_ + 1 < text_.size() ? 2 : 1;
      for (std::size_t i = 0; i < length; ++i)
        literal_char(text_[pos_ + i], keep);
      pos_ += length;
    }
    if (pos_ < text_.size() && text_[pos_] == quote) {
      emit_code(quote);
      ++pos_;
    }
  }

  void literal_char(char c, bool keep) {
    if (c == '\n') {
      emit_code('\n');  // a line continuation inside a literal
      return;
    }
    if (keep) {
      emit_code(c);
    } else {
      out_.strings.back().push_back(c);
    }
  }

  // R"delimiter( ... )delimiter", with pos_ on the opening quote.
  void raw_string() {
    const std::size_t open = text_.find('(', pos_);
    if (open == std::string_view::npos) return quoted('"', false);
    std::string close(1, ')');
    close.append(text_.substr(pos_ + 1, open - pos_ - 1));
    close.push_back('"');
    emit_code('"');
    const std::size_t end = text_.find(close, open + 1);
    const std::size_t stop = end == std::string_view::npos ? text_.size() : end;
    for (pos_ = open + 1; pos_ < stop; ++pos_)
      literal_char(text_[pos_], false);
    emit_code('"');
    pos_ = std::min(stop + close.size(), text_.size());
  }

  // A pp-number, so that the ' of a digit separator does not open a character literal.
  void number() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      const bool exponent_sign =
          (c == '+' || c == '-') && pos_ > 0 &&
          std::string_view("eEpP").find(text_[pos_ - 1]) != std::string_view::npos;
      if (!is_identifier_char(c) && c != '.' && c != '\'' && !exponent_sign) break;
      emit_code(c);
      ++pos_;
    }
  }

  // An identifier; an encoding prefix (u8, L, R, u8R...) directly before a quote is part of
  // the literal that follows.
  void identifier() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && is_identifier_char(text_[pos_]))
      emit_code(text_[pos_++]);
    const std::string_view word = text_.substr(start, pos_ - start);
    if (pos_ >= text_.size()) return;
    const bool prefix = word == "u8" || word == "u" || word == "U" || word == "L";
    const bool raw_prefix =
        word == "R" || word == "u8R" || word == "uR" || word == "UR" || word == "LR";
    if (raw_prefix && text_[pos_] == '"') return raw_string();
    if (prefix && text_[pos_] == '"') return quoted('"', false);
    if (prefix && text_[pos_] == '\'') return quoted('\'', false);
  }

  // Whether the current line so far is `#include` (or `# include`), whose "path" is code.
  bool include_line() const {
    const std::string_view line = std::string_view(out_.code).substr(out_.line_starts.back());
    std::size_t i = line.find_first_not_of(" \t");
    if (i == std::string_view::npos || line[i] != '#') return false;
    i = line.find_first_not_of(" \t", i + 1);
    if (i == std::string_view::npos || line.substr(i, 7) != "include") return false;
    return line.find_first_not_of(" \t", i + 7) == std::string_view::npos;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  SourceText out_;
};

}  // namespace

int SourceText::line_of(std::size_t offset) const {
  const auto next = std::upper_bound(line_starts.begin(), line_starts.end(), offset);
  return static_cast<int>(next - line_starts.begin());
}

std::string_view SourceText::code_line(int line) const {
  const std::size_t start = line_starts[static_cast<std::size_t>(line - 1)];
  const std::size_t end = static_cast<std::size_t>(line) < line_starts.size()
                              ? line_starts[static_cast<std::size_t>(line)] - 1
                              : code.size();
  return std::string_view(code).substr(start, end - start);
}

SourceText split_source(std::string_view text) {
  return Splitter(text).run();
}

}  // namespace orrery::lint
