#include "core/token_estimator.hpp"

namespace l2mac {

int64_t FastEstimateTokens(std::string_view text) {
  // ASCII runs at about four bytes a token; every other code point (CJK, accents, emoji)
  // as a token of its own, which BPE tokenizers rarely beat.
  size_t ascii = 0;
  size_t other = 0;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80) {
      ++ascii;
    } else if ((byte & 0xC0) != 0x80) {
      ++other;  // a lead byte: one code point
    }
  }
  return static_cast<int64_t>((ascii + 3) / 4 + other);
}

int64_t EstimateTokens(const TokenCounter* counter, std::string_view text) {
  return counter != nullptr ? counter->CountTokens(text) : FastEstimateTokens(text);
}

}  // namespace l2mac
