#include "filestore/patch.hpp"

#include <algorithm>
#include <cstdlib>
#include <string_view>

#include "core/text.hpp"

namespace l2mac::filestore {
namespace {

struct Hunk {
  size_t old_start = 0;  // 1-based as written
  std::vector<std::string> old_lines;
  std::vector<std::string> new_lines;
  // "\ No newline at end of file" after the last old/new line.
  bool old_no_newline = false;
  bool new_no_newline = false;
  int removed = 0;  // '-' lines
  int added = 0;    // '+' lines
};

std::vector<std::string> SplitLinesNoEnds(std::string_view text) {
  std::vector<std::string_view> views = SplitLines(text);
  return std::vector<std::string>(views.begin(), views.end());
}

std::string StripPrefix(std::string path) {
  size_t tab = path.find('\t');
  if (tab != std::string::npos) path.resize(tab);  // "--- a/x\t2024-01-01 ..."
  while (!path.empty() && (path.back() == ' ' || path.back() == '\r')) path.pop_back();
  if (path == "/dev/null") return "";
  if (path.rfind("a/", 0) == 0 || path.rfind("b/", 0) == 0) return path.substr(2);
  return path;
}

Result<std::vector<Hunk>> ParseHunks(const std::string& text) {
  std::vector<Hunk> hunks;
  auto lines = SplitLinesNoEnds(text);
  char last_kind = 0;
  for (size_t n = 0; n < lines.size(); ++n) {
    const std::string& line = lines[n];
    if (line.rfind("@@", 0) == 0) {
      Hunk hunk;
      size_t minus = line.find('-');
      if (minus == std::string::npos) {
        return Status::InvalidArgument("patch line " + std::to_string(n + 1) + " '" + line +
                                       "' is not a hunk header like '@@ -12,4 +12,5 @@'");
      }
      hunk.old_start = std::strtoul(line.c_str() + minus + 1, nullptr, 10);
      hunks.push_back(std::move(hunk));
      last_kind = 0;
      continue;
    }
    if (hunks.empty()) continue;  // text before the first hunk
    Hunk& hunk = hunks.back();
    if (line.rfind("\\", 0) == 0) {  // "\ No newline at end of file"
      if (last_kind == '-') hunk.old_no_newline = true;
      if (last_kind == '+') hunk.new_no_newline = true;
      if (last_kind == ' ') hunk.old_no_newline = hunk.new_no_newline = true;
      continue;
    }
    char kind = line.empty() ? ' ' : line[0];  // an empty line is blank context
    std::string body = line.empty() ? "" : line.substr(1);
    if (kind == ' ') {
      hunk.old_lines.push_back(body);
      hunk.new_lines.push_back(body);
    } else if (kind == '-') {
      hunk.old_lines.push_back(body);
      ++hunk.removed;
    } else if (kind == '+') {
      hunk.new_lines.push_back(body);
      ++hunk.added;
    } else {
      return Status::InvalidArgument("patch line " + std::to_string(n + 1) + " '" + line +
                                     "' starts with neither ' ', '-' nor '+'");
    }
    last_kind = kind;
  }
  if (hunks.empty()) {
    return Status::InvalidArgument(
        "the patch has no hunk: give a unified diff with '@@ -l,n +l,n @@' hunk headers");
  }
  return hunks;
}

bool MatchesAt(const std::vector<std::string>& file, const std::vector<std::string>& old, size_t at,
               bool tolerant) {
  if (at + old.size() > file.size()) return false;
  for (size_t k = 0; k < old.size(); ++k) {
    if (tolerant ? TrimWhitespace(file[at + k]) != TrimWhitespace(old[k]) : file[at + k] != old[k])
      return false;
  }
  return true;
}

// Where the hunk's old lines start, searching outward from the stated line.
std::optional<size_t> Locate(const std::vector<std::string>& file, const Hunk& hunk, size_t from) {
  size_t stated = hunk.old_start > 0 ? hunk.old_start - 1 : 0;
  stated = std::max(stated, from);
  for (bool tolerant : {false, true}) {
    for (size_t delta = 0; delta <= file.size(); ++delta) {
      if (stated + delta <= file.size() &&
          MatchesAt(file, hunk.old_lines, stated + delta, tolerant))
        return stated + delta;
      if (delta > 0 && delta <= stated && stated - delta >= from &&
          MatchesAt(file, hunk.old_lines, stated - delta, tolerant))
        return stated - delta;
    }
  }
  return std::nullopt;
}

}  // namespace

Result<std::vector<FilePatch>> ParseUnifiedDiff(const std::string& patch) {
  std::vector<FilePatch> files;
  auto lines = SplitLinesNoEnds(patch);
  for (size_t n = 0; n < lines.size(); ++n) {
    const std::string& line = lines[n];
    if (line.rfind("--- ", 0) == 0 && n + 1 < lines.size() && lines[n + 1].rfind("+++ ", 0) == 0) {
      FilePatch file;
      file.old_path = StripPrefix(line.substr(4));
      file.new_path = StripPrefix(lines[n + 1].substr(4));
      files.push_back(std::move(file));
      ++n;
      continue;
    }
    if (line.rfind("diff ", 0) == 0 || line.rfind("index ", 0) == 0) continue;
    if (files.empty()) {
      if (line.rfind("@@", 0) == 0) {
        return Status::InvalidArgument(
            "the patch has a hunk before any '--- a/path' / '+++ b/path' header: start each "
            "file's changes with those two lines");
      }
      continue;
    }
    files.back().hunks += line;
    files.back().hunks += '\n';
  }
  if (files.empty()) {
    return Status::InvalidArgument(
        "the patch names no file: a unified diff starts with '--- a/path' and '+++ b/path' "
        "lines followed by '@@' hunks");
  }
  return files;
}

Result<EditResult> ApplyHunks(const std::string& content, const std::string& hunks_text) {
  L2MAC_ASSIGN_OR_RETURN(std::vector<Hunk> hunks, ParseHunks(hunks_text));
  std::vector<std::string> file = SplitLinesNoEnds(content);
  bool final_newline = content.empty() || content.back() == '\n';
  EditResult result;
  size_t from = 0;
  long shift = 0;  // lines added minus removed by earlier hunks
  for (const Hunk& hunk : hunks) {
    Hunk placed = hunk;
    placed.old_start = static_cast<size_t>(std::max(0L, static_cast<long>(hunk.old_start) + shift));
    std::optional<size_t> at = Locate(file, placed, from);
    if (!at) {
      std::string search;
      for (const std::string& line : hunk.old_lines) search += line + "\n";
      // Reuse the search/replace hint: it shows the closest region with line numbers.
      Result<EditResult> hint = ApplySearchReplace(content, search.empty() ? "\n" : search, "");
      std::string detail = hint.ok() ? "" : " " + hint.status().message();
      return Status::NotFound("hunk " + std::to_string(&hunk - hunks.data() + 1) +
                              " of the patch (starting at old line " +
                              std::to_string(hunk.old_start) + ") does not match the file." +
                              detail);
    }
    bool touches_end = *at + hunk.old_lines.size() == file.size();
    file.erase(file.begin() + static_cast<std::ptrdiff_t>(*at),
               file.begin() + static_cast<std::ptrdiff_t>(*at + hunk.old_lines.size()));
    file.insert(file.begin() + static_cast<std::ptrdiff_t>(*at), hunk.new_lines.begin(),
                hunk.new_lines.end());
    if (touches_end) {
      if (hunk.new_no_newline)
        final_newline = false;
      else if (hunk.old_no_newline || !hunk.new_lines.empty())
        final_newline = true;
    }
    result.lines_removed += hunk.removed;
    result.lines_added += hunk.added;
    from = *at + hunk.new_lines.size();
    shift += static_cast<long>(hunk.new_lines.size()) - static_cast<long>(hunk.old_lines.size());
  }
  for (size_t n = 0; n < file.size(); ++n) {
    result.content += file[n];
    if (n + 1 < file.size() || final_newline) result.content += '\n';
  }
  return result;
}

}  // namespace l2mac::filestore
