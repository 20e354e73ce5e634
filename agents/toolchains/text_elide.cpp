#include <string>

#include "agents/toolchains/gate.hpp"

namespace l2mac::toolchains {
namespace {

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Moves `pos` back until it does not fall inside a UTF-8 sequence.
size_t BoundaryAtOrBefore(const std::string& text, size_t pos) {
  while (pos > 0 && pos < text.size() && IsContinuationByte(text[pos])) --pos;
  return pos;
}

// Moves `pos` forward until it does not fall inside a UTF-8 sequence.
size_t BoundaryAtOrAfter(const std::string& text, size_t pos) {
  while (pos < text.size() && IsContinuationByte(text[pos])) ++pos;
  return pos;
}

std::string Marker(size_t elided) {
  return "\n[... " + std::to_string(elided) + " bytes elided ...]\n";
}

}  // namespace

std::string ElideMiddle(const std::string& text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  // The marker for the whole text is at least as long as the one finally used, because the
  // elided count can only be smaller.
  const size_t marker_room = Marker(text.size()).size();
  if (max_bytes < marker_room) return text.substr(0, BoundaryAtOrBefore(text, max_bytes));

  const size_t budget = max_bytes - marker_room;
  const size_t head_end = BoundaryAtOrBefore(text, budget / 2);
  const size_t tail_start = BoundaryAtOrAfter(text, text.size() - (budget - budget / 2));
  std::string result = text.substr(0, head_end);
  result += Marker(tail_start - head_end);
  result.append(text, tail_start, std::string::npos);
  return result;
}

}  // namespace l2mac::toolchains
