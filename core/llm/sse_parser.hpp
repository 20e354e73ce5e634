// An incremental parser for Server-Sent Events (the WHATWG "text/event-stream" format), as
// OpenAI and Anthropic stream their replies.
//
// Bytes arrive in arbitrary pieces (a network read may end mid-line, even between the
// "\r" and "\n" of a line break); Feed() buffers only the unfinished line and the event
// being built, and reports each complete event. Lines end in "\n", "\r\n" or "\r". A
// blank line ends an event; "data:" lines are joined with "\n"; lines starting with ":"
// (comments, keep-alives) and the fields "id" and "retry" are ignored; one space after
// the colon is dropped. An event without data lines is not reported (the spec's rule), so
// keep-alive blank lines never produce events. Whatever is pending when the stream ends
// is discarded: an event counts only once its blank line arrived.
//
// Not thread-safe; one parser per stream.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace l2mac::llm {

struct SseEvent {
  std::string_view type;  // the "event:" field; empty when the event had none
  std::string_view data;  // the joined "data:" lines
};

class SseParser {
 public:
  // Guards memory against a server that never ends a line or an event.
  static constexpr size_t kMaxPendingBytes = size_t{16} << 20;

  // Calls `on_event(const SseEvent&)` for each event completed by `bytes`; the views are
  // valid only during the call. `on_event` returns false to stop parsing (Feed then
  // returns false too, and the parser must not be fed again). Returns false as well when
  // a line or event exceeds kMaxPendingBytes.
  template <typename OnEvent>
  bool Feed(std::string_view bytes, OnEvent&& on_event);

  bool overflowed() const { return overflowed_; }
  // True when bytes of an unfinished line or event are pending.
  bool HasPartialEvent() const { return !line_.empty() || has_data_ || !type_.empty(); }

 private:
  enum class LineResult { kContinue, kStop };
  // `in_input` says the line lies in the bytes being fed (valid until Feed returns),
  // rather than in a temporary.
  template <typename OnEvent>
  LineResult Line(std::string_view line, bool in_input, OnEvent& on_event);
  // Copies a data view into data_ before the input it points into goes away.
  void Settle() {
    if (data_is_view_) {
      data_.assign(data_view_);
      data_is_view_ = false;
    }
  }

  std::string line_;  // an unfinished line carried over from the previous Feed
  // The event's data: a view into the input while the event has one data line that
  // arrived in the current Feed (the common case, so most events are never copied),
  // otherwise data_.
  std::string data_;
  std::string_view data_view_;
  bool data_is_view_ = false;
  std::string type_;
  bool has_data_ = false;
  bool skip_lf_ = false;  // the previous piece ended in "\r": a leading "\n" belongs to it
  bool overflowed_ = false;
};

template <typename OnEvent>
bool SseParser::Feed(std::string_view bytes, OnEvent&& on_event) {
  const char* p = bytes.data();
  const char* end = p + bytes.size();
  if (skip_lf_ && p < end) {
    skip_lf_ = false;
    if (*p == '\n') ++p;
  }
  while (p < end) {
    // memchr is vectorized; a bare "\r" line end is rare but must end the line too.
    const void* newline = std::memchr(p, '\n', static_cast<size_t>(end - p));
    const char* limit = newline != nullptr ? static_cast<const char*>(newline) : end;
    const void* carriage = std::memchr(p, '\r', static_cast<size_t>(limit - p));
    const char* eol = carriage != nullptr ? static_cast<const char*>(carriage) : limit;
    if (eol == end) {
      if (line_.size() + static_cast<size_t>(end - p) > kMaxPendingBytes) {
        overflowed_ = true;
        return false;
      }
      line_.append(p, end);
      Settle();
      return true;
    }
    LineResult result;
    if (line_.empty()) {
      result = Line(std::string_view(p, static_cast<size_t>(eol - p)), true, on_event);
    } else {
      line_.append(p, eol);
      std::string carried = std::move(line_);
      line_.clear();
      result = Line(carried, false, on_event);
    }
    if (result == LineResult::kStop) return false;
    if (*eol == '\r') {
      if (eol + 1 == end) {
        skip_lf_ = true;
        Settle();
        return true;
      }
      if (eol[1] == '\n') ++eol;
    }
    p = eol + 1;
  }
  Settle();
  return true;
}

template <typename OnEvent>
SseParser::LineResult SseParser::Line(std::string_view line, bool in_input, OnEvent& on_event) {
  if (line.empty()) {
    if (has_data_) {
      bool keep_going = on_event(SseEvent{type_, data_is_view_ ? data_view_ : data_});
      data_is_view_ = false;
      data_.clear();
      type_.clear();
      has_data_ = false;
      if (!keep_going) return LineResult::kStop;
    } else {
      type_.clear();
    }
    return LineResult::kContinue;
  }
  if (line.front() == ':') return LineResult::kContinue;
  std::string_view field = line;
  std::string_view value;
  if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (!has_data_ && in_input && value.size() < kMaxPendingBytes) {
      data_view_ = value;
      data_is_view_ = true;
      has_data_ = true;
      return LineResult::kContinue;
    }
    Settle();
    if (data_.size() + value.size() + 1 > kMaxPendingBytes) {
      overflowed_ = true;
      return LineResult::kStop;
    }
    if (has_data_) data_.push_back('\n');
    data_.append(value);
    has_data_ = true;
  } else if (field == "event") {
    type_.assign(value);
  }
  return LineResult::kContinue;
}

}  // namespace l2mac::llm
