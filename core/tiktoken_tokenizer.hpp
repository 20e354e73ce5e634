// Exact token counts from a tokenizer ranks file in tiktoken's format (the `.tiktoken`
// files of OpenAI's cl100k_base and friends): each line is the base64 of a token's bytes,
// a space and the token's rank; a lower rank merges first.
//
// Counting follows tiktoken: the text is split into pieces by a pre-tokenizer, then each
// piece is byte-pair encoded by repeatedly merging the adjacent pair whose concatenation
// has the lowest rank. The pre-tokenizer is a hand-written equivalent of cl100k_base's
// pattern:
//   's 't 're 've 'm 'll 'd (any case) | [^\r\n\p{L}\p{N}]?\p{L}+ | \p{N}{1,3}
//   | ' '?[^\s\p{L}\p{N}]+[\r\n]* | \s*[\r\n]+ | \s+(?!\S) | \s+
// Approximation (documented, measured by tests/tokenizer): Unicode classes come from a
// small table, not the Unicode database. Letters are ASCII letters and every non-ASCII
// code point except common punctuation, symbols, spaces and marks (Latin-1 punctuation,
// U+2000-U+2BFF general punctuation/arrows/math/box drawing, CJK and fullwidth
// punctuation, emoji, combining marks); digits are ASCII 0-9 only.
//
// Thread safety: immutable after Load; CountTokens may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.hpp"
#include "core/token_estimator.hpp"

namespace l2mac {

class TiktokenTokenizer final : public TokenCounter {
 public:
  // Reads and validates `path`. Errors (kInvalidArgument, naming the file and line): an
  // unreadable or empty file, a line that is not "BASE64 RANK", a duplicate rank or token.
  static Result<std::shared_ptr<const TiktokenTokenizer>> Load(const std::string& path);
  // The same from the file's contents; `source` names it in errors.
  static Result<std::shared_ptr<const TiktokenTokenizer>> Parse(std::string_view contents,
                                                                const std::string& source);

  int64_t CountTokens(std::string_view text) const override;
  // The pieces the pre-tokenizer splits `text` into (views into `text`).
  static std::vector<std::string_view> PreTokenize(std::string_view text);
  // Tokens of one piece after byte-pair merging.
  int64_t CountPieceTokens(std::string_view piece) const;
  size_t vocabulary_size() const { return ranks_.size(); }

 private:
  TiktokenTokenizer() = default;

  // Token bytes live in `arena_`; the map's keys view into it (never reallocated after
  // loading).
  std::string arena_;
  std::unordered_map<std::string_view, uint32_t> ranks_;
};

}  // namespace l2mac
