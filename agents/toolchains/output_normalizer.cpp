#include "agents/toolchains/output_normalizer.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace l2mac::toolchains {
namespace {

void ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

struct Rule {
  const char* pattern;
  const char* rewrite;
};

// In order: pytest's summary banner first (its '=' padding depends on the timing's width,
// so the whole line is rewritten), then the narrower forms.
constexpr Rule kRules[] = {
    // ===== 1 failed, 2 passed in 0.12s (0:00:01) =====
    {R"((?m)^=+ (.*?) in [0-9]+(?:\.[0-9]+)?s(?: \([0-9:]+\))? =+$)", R"(===== \1 =====)"},
    // go test: "--- FAIL: TestAdd (0.00s)"
    {R"(\([0-9]+\.[0-9]+s\))", "(<time>)"},
    // go test: "ok  \texample.com/m\t0.004s", "FAIL\texample.com/m\t0.004s"
    {R"((?m)^(ok|FAIL)([ \t]+\S+)[ \t]+[0-9]+\.[0-9]+s)", R"(\1\2 <time>)"},
    // pytest, unittest, cargo: "in 0.12s", "finished in 0.00s", "target(s) in 1.52s"
    {R"(\bin [0-9]+(?:\.[0-9]+)?s\b)", "in <time>"},
    // ctest: "Passed    0.01 sec", "Total Test time (real) =   0.02 sec" (the padding
    // depends on the width of the number)
    {R"( +[0-9]+\.[0-9]+ sec\b)", " <time> sec"},
    // node's TAP: "duration_ms: 1.2345", "# duration_ms 12.3"
    {R"(\bduration_ms:? [0-9]+(?:\.[0-9]+)?)", "duration_ms <time>"},
    // go test -json
    {R"("Time":"[^"]*")", R"("Time":"<time>")"},
    {R"("Elapsed":[0-9]+(?:\.[0-9]+)?)", R"("Elapsed":0)"},
    // Python reprs and sanitizer reports: "<function add at 0x7f3a9c2b1d30>"
    {R"(\b0x[0-9a-fA-F]{6,}\b)", "0x<address>"},
    // cargo's test binaries: "target/debug/deps/app-1a2b3c4d5e6f7a8b"
    {R"((deps/[A-Za-z0-9_]+)-[0-9a-f]{16}\b)", R"(\1-<hash>)"},
};

const std::vector<std::unique_ptr<RE2>>& CompiledRules() {
  static const std::vector<std::unique_ptr<RE2>> compiled = [] {
    std::vector<std::unique_ptr<RE2>> rules;
    RE2::Options options(RE2::Latin1);
    for (const Rule& rule : kRules) rules.push_back(std::make_unique<RE2>(rule.pattern, options));
    return rules;
  }();
  return compiled;
}

}  // namespace

std::string NormalizeCheckOutput(std::string_view output, const std::filesystem::path& root) {
  std::string text(output);
  // The folder as given and as the file system resolves it (a tool may print either);
  // the longer first, so one that contains the other is stripped whole.
  std::vector<std::filesystem::path> candidates = {root, root.lexically_normal()};
  std::error_code error;
  std::filesystem::path resolved = std::filesystem::weakly_canonical(root, error);
  if (!error) candidates.push_back(resolved);
  std::vector<std::string> roots;
  for (const std::filesystem::path& candidate : candidates) {
    std::string form = candidate.string();
    while (form.size() > 1 && form.back() == '/') form.pop_back();
    if (form.size() > 1) roots.push_back(form);
  }
  std::sort(roots.begin(), roots.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  roots.erase(std::unique(roots.begin(), roots.end()), roots.end());
  for (const std::string& form : roots) {
    ReplaceAll(text, form + "/", "");
    ReplaceAll(text, form, ".");
  }
  const auto& rules = CompiledRules();
  for (size_t i = 0; i < rules.size(); ++i) {
    if (rules[i]->ok()) RE2::GlobalReplace(&text, *rules[i], kRules[i].rewrite);
  }
  return text;
}

}  // namespace l2mac::toolchains
