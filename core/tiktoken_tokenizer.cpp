#include "core/tiktoken_tokenizer.hpp"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <limits>
#include <sstream>
#include <unordered_set>

namespace l2mac {
namespace {

// ---- base64 ----

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Standard base64 with padding; false when `text` is not valid base64.
bool DecodeBase64(std::string_view text, std::string& out) {
  out.clear();
  if (text.empty() || text.size() % 4 != 0) return false;
  size_t padding = 0;
  if (text.back() == '=') ++padding;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++padding;
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < text.size() - padding; ++i) {
    int value = Base64Value(text[i]);
    if (value < 0) return false;
    buffer = (buffer << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return true;
}

// ---- character classes (see the header for the approximation) ----

enum class CharClass { kLetter, kDigit, kSpace, kNewline, kOther };

struct CodePoint {
  uint32_t value;
  size_t length;  // bytes
};

// Decodes one UTF-8 code point at `text[i]`; an invalid byte is a code point of its own
// (value 0xFFFD, a symbol), so every byte belongs to exactly one code point.
CodePoint DecodeAt(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  if (lead < 0x80) return {lead, 1};
  size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
  if (length == 0 || i + length > text.size()) return {0xFFFD, 1};
  uint32_t value = lead & (0x7F >> length);
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return {0xFFFD, 1};
    value = (value << 6) | (byte(i + k) & 0x3F);
  }
  return {value, length};
}

CharClass ClassifyNonAscii(uint32_t cp) {
  // JavaScript's \s beyond ASCII (the reference the tests compare against).
  if (cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
      cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF) {
    return CharClass::kSpace;
  }
  if (cp < 0xC0) {
    if (cp == 0xAA || cp == 0xB5 || cp == 0xBA) return CharClass::kLetter;
    return CharClass::kOther;  // Latin-1 punctuation, symbols, superscript digits
  }
  if (cp == 0xD7 || cp == 0xF7) return CharClass::kOther;
  if (cp >= 0x300 && cp <= 0x36F) return CharClass::kOther;  // combining marks
  if (cp >= 0x2000 && cp <= 0x2BFF) return CharClass::kOther;
  if (cp >= 0x2E00 && cp <= 0x2E7F) return CharClass::kOther;
  if ((cp >= 0x3001 && cp <= 0x3004) || (cp >= 0x3008 && cp <= 0x3020)) return CharClass::kOther;
  if (cp >= 0xFE30 && cp <= 0xFE4F) return CharClass::kOther;
  if (cp >= 0xFF10 && cp <= 0xFF19) return CharClass::kDigit;
  if ((cp >= 0xFF01 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) ||
      (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65)) {
    return CharClass::kOther;
  }
  if (cp >= 0xE000 && cp <= 0xF8FF) return CharClass::kOther;    // private use
  if (cp >= 0xFE00 && cp <= 0xFE0F) return CharClass::kOther;    // variation selectors
  if (cp >= 0x1F000 && cp <= 0x1FAFF) return CharClass::kOther;  // emoji, pictographs
  if (cp == 0xFFFD) return CharClass::kOther;
  return CharClass::kLetter;
}

CharClass Classify(uint32_t cp) {
  if (cp < 0x80) {
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) return CharClass::kLetter;
    if (cp >= '0' && cp <= '9') return CharClass::kDigit;
    if (cp == '\r' || cp == '\n') return CharClass::kNewline;
    if (cp == ' ' || cp == '\t' || cp == '\v' || cp == '\f') return CharClass::kSpace;
    return CharClass::kOther;
  }
  return ClassifyNonAscii(cp);
}

bool IsWhitespace(CharClass c) { return c == CharClass::kSpace || c == CharClass::kNewline; }

// The text as code points with their classes, for the pre-tokenizer's lookahead.
struct Scanner {
  std::string_view text;
  std::vector<size_t> starts;  // byte offset of each code point, plus text.size()
  std::vector<CharClass> classes;

  explicit Scanner(std::string_view t) : text(t) {
    starts.reserve(t.size() + 1);
    classes.reserve(t.size());
    for (size_t i = 0; i < t.size();) {
      CodePoint cp = DecodeAt(t, i);
      starts.push_back(i);
      classes.push_back(Classify(cp.value));
      i += cp.length;
    }
    starts.push_back(t.size());
  }
  size_t size() const { return classes.size(); }
  char ByteAt(size_t k) const { return text[starts[k]]; }
};

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Length in code points of the piece starting at code point `i`, following the
// alternatives of cl100k_base's pattern in order.
size_t MatchPiece(const Scanner& s, size_t i) {
  const size_t n = s.size();
  auto cls = [&](size_t k) { return s.classes[k]; };
  // 's 't 're 've 'm 'll 'd, in any case.
  if (s.ByteAt(i) == '\'' && i + 1 < n) {
    char a = Lower(s.ByteAt(i + 1));
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
    if (i + 2 < n) {
      char b = Lower(s.ByteAt(i + 2));
      if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
    }
  }
  auto letters_from = [&](size_t k) {
    while (k < n && cls(k) == CharClass::kLetter) ++k;
    return k;
  };
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (cls(i) == CharClass::kLetter) return letters_from(i) - i;
  if (cls(i) != CharClass::kNewline && cls(i) != CharClass::kDigit && i + 1 < n &&
      cls(i + 1) == CharClass::kLetter) {
    return letters_from(i + 1) - i;
  }
  // \p{N}{1,3}
  if (cls(i) == CharClass::kDigit) {
    size_t k = i;
    while (k < n && k < i + 3 && cls(k) == CharClass::kDigit) ++k;
    return k - i;
  }
  // ' '?[^\s\p{L}\p{N}]+[\r\n]*
  {
    size_t k = i;
    if (s.ByteAt(k) == ' ' && k + 1 < n) ++k;
    if (cls(k) == CharClass::kOther) {
      while (k < n && cls(k) == CharClass::kOther) ++k;
      while (k < n && cls(k) == CharClass::kNewline) ++k;
      return k - i;
    }
  }
  // Whitespace from here on: the run is [i, end).
  size_t end = i;
  while (end < n && IsWhitespace(cls(end))) ++end;
  // \s*[\r\n]+ : up to the run's last newline.
  for (size_t k = end; k > i; --k) {
    if (cls(k - 1) == CharClass::kNewline) return k - i;
  }
  // \s+(?!\S) : the run, leaving its last character to the next piece when a
  // non-space follows; else \s+ (a single whitespace character before a non-space).
  if (end == n || end - i == 1) return end - i;
  return end - 1 - i;
}

}  // namespace

std::vector<std::string_view> TiktokenTokenizer::PreTokenize(std::string_view text) {
  std::vector<std::string_view> pieces;
  Scanner scanner(text);
  for (size_t i = 0; i < scanner.size();) {
    size_t length = MatchPiece(scanner, i);
    pieces.push_back(
        text.substr(scanner.starts[i], scanner.starts[i + length] - scanner.starts[i]));
    i += length;
  }
  return pieces;
}

Result<std::shared_ptr<const TiktokenTokenizer>> TiktokenTokenizer::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::InvalidArgument(
        fmt::format("cannot read the tokenizer ranks file {}: check the path", path));
  }
  std::stringstream contents;
  contents << in.rdbuf();
  return Parse(contents.str(), path);
}

Result<std::shared_ptr<const TiktokenTokenizer>> TiktokenTokenizer::Parse(
    std::string_view contents, const std::string& source) {
  struct Entry {
    size_t offset, length;
    uint32_t rank;
  };
  std::vector<Entry> entries;
  std::shared_ptr<TiktokenTokenizer> tokenizer(new TiktokenTokenizer());
  std::string& arena = tokenizer->arena_;
  std::unordered_set<uint32_t> seen_ranks;
  std::string bytes;
  size_t line_number = 0;
  auto bad = [&](std::string_view what) {
    return Status::InvalidArgument(
        fmt::format("{}:{}: {} (a tiktoken ranks file has lines \"BASE64 RANK\", e.g. \"IQ== 0\")",
                    source, line_number, what));
  };
  for (size_t pos = 0; pos < contents.size();) {
    size_t newline = contents.find('\n', pos);
    if (newline == std::string_view::npos) newline = contents.size();
    std::string_view line = contents.substr(pos, newline - pos);
    pos = newline + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    size_t space = line.find(' ');
    if (space == std::string_view::npos || line.find(' ', space + 1) != std::string_view::npos) {
      return bad("expected a base64 token, one space and a rank");
    }
    if (!DecodeBase64(line.substr(0, space), bytes) || bytes.empty()) {
      return bad("the token is not valid base64");
    }
    std::string_view rank_text = line.substr(space + 1);
    uint32_t rank = 0;
    auto [end, ec] = std::from_chars(rank_text.data(), rank_text.data() + rank_text.size(), rank);
    if (ec != std::errc() || end != rank_text.data() + rank_text.size()) {
      return bad(fmt::format("the rank \"{}\" is not a non-negative integer", rank_text));
    }
    if (!seen_ranks.insert(rank).second) return bad(fmt::format("duplicate rank {}", rank));
    entries.push_back({arena.size(), bytes.size(), rank});
    arena += bytes;
  }
  if (entries.empty()) {
    return Status::InvalidArgument(fmt::format(
        "the tokenizer ranks file {} is empty: expected lines \"BASE64 RANK\"", source));
  }
  tokenizer->ranks_.reserve(entries.size());
  for (const Entry& entry : entries) {
    std::string_view token(arena.data() + entry.offset, entry.length);
    if (!tokenizer->ranks_.emplace(token, entry.rank).second) {
      return Status::InvalidArgument(
          fmt::format("{}: the token with rank {} appears twice", source, entry.rank));
    }
  }
  return std::shared_ptr<const TiktokenTokenizer>(std::move(tokenizer));
}

int64_t TiktokenTokenizer::CountPieceTokens(std::string_view piece) const {
  if (piece.size() <= 1 || ranks_.count(piece)) return piece.empty() ? 0 : 1;
  // tiktoken's byte-pair merge: parts[k] starts a part; rank[k] is the rank of the
  // concatenation of part k and part k+1 (max when it is not a token).
  constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
  std::vector<size_t> starts(piece.size() + 1);
  for (size_t k = 0; k <= piece.size(); ++k) starts[k] = k;
  auto pair_rank = [&](size_t k) -> uint32_t {
    if (k + 2 >= starts.size()) return kNone;
    auto found = ranks_.find(piece.substr(starts[k], starts[k + 2] - starts[k]));
    return found == ranks_.end() ? kNone : found->second;
  };
  std::vector<uint32_t> ranks(starts.size());
  for (size_t k = 0; k < ranks.size(); ++k) ranks[k] = pair_rank(k);
  while (starts.size() > 2) {
    size_t best = 0;
    for (size_t k = 1; k + 2 < starts.size(); ++k) {
      if (ranks[k] < ranks[best]) best = k;
    }
    if (ranks[best] == kNone) break;
    // Merge part best with part best+1: drop the boundary best+1.
    starts.erase(starts.begin() + static_cast<std::ptrdiff_t>(best) + 1);
    ranks.erase(ranks.begin() + static_cast<std::ptrdiff_t>(best) + 1);
    ranks[best] = pair_rank(best);
    if (best > 0) ranks[best - 1] = pair_rank(best - 1);
  }
  return static_cast<int64_t>(starts.size() - 1);
}

int64_t TiktokenTokenizer::CountTokens(std::string_view text) const {
  int64_t total = 0;
  for (std::string_view piece : PreTokenize(text)) total += CountPieceTokens(piece);
  return total;
}

}  // namespace l2mac
