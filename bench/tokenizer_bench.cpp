// The fast token estimate (EstimateTokens without a tokenizer) against exact cl100k_base
// counts on code and prose samples (the repository's own sources and Markdown files), and
// the exact tokenizer's throughput.
//
//   tests/tokenizer/fetch_reference.sh build/tokenizer_reference   # prints the ranks path
//   build/bench/tokenizer_bench build/tokenizer_reference/cl100k_base.tiktoken [SOURCE_DIR]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "core/tiktoken_tokenizer.hpp"
#include "core/token_estimator.hpp"

namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::vector<std::string> Collect(const fs::path& root, const std::vector<const char*>& folders,
                                 const std::vector<std::string>& extensions) {
  std::vector<fs::path> paths;
  for (const char* folder : folders) {
    if (!fs::is_directory(root / folder)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root / folder)) {
      if (!entry.is_regular_file()) continue;
      if (std::find(extensions.begin(), extensions.end(), entry.path().extension().string()) !=
          extensions.end()) {
        paths.push_back(entry.path());
      }
    }
  }
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> texts;
  for (const auto& path : paths) texts.push_back(ReadFile(path));
  return texts;
}

void Report(const char* kind, const std::vector<std::string>& samples,
            const l2mac::TiktokenTokenizer& tokenizer) {
  int64_t exact_total = 0;
  int64_t estimate_total = 0;
  double sum_abs = 0;
  double sum_signed = 0;
  double max_abs = 0;
  size_t bytes = 0;
  for (const auto& text : samples) {
    int64_t exact = tokenizer.CountTokens(text);
    int64_t estimate = l2mac::FastEstimateTokens(text);
    exact_total += exact;
    estimate_total += estimate;
    bytes += text.size();
    if (exact == 0) continue;
    double error = static_cast<double>(estimate - exact) / static_cast<double>(exact);
    sum_abs += std::fabs(error);
    sum_signed += error;
    max_abs = std::max(max_abs, std::fabs(error));
  }
  double n = static_cast<double>(samples.size());
  std::cout << fmt::format(
      "| {} | {} | {:.1f} KB | {} | {} | {:+.1f}% | {:.1f}% | {:+.1f}% | {:.1f}% | {:.2f} |\n",
      kind, samples.size(), static_cast<double>(bytes) / 1024, exact_total, estimate_total,
      100.0 * static_cast<double>(estimate_total - exact_total) / static_cast<double>(exact_total),
      100.0 * sum_abs / n, 100.0 * sum_signed / n, 100.0 * max_abs,
      static_cast<double>(bytes) / static_cast<double>(exact_total));
}

// MB/s of `count` over all samples, repeated for at least half a second.
template <typename Count>
double Throughput(const std::vector<std::string>& samples, Count count) {
  size_t bytes = 0;
  for (const auto& text : samples) bytes += text.size();
  int64_t sink = 0;
  int rounds = 0;
  auto start = std::chrono::steady_clock::now();
  double seconds = 0;
  do {
    for (const auto& text : samples) sink += count(text);
    ++rounds;
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } while (seconds < 0.5);
  if (sink == 42) std::cout << "";  // keep the counting
  return static_cast<double>(bytes) * rounds / seconds / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: tokenizer_bench RANKS.tiktoken [SOURCE_DIR]\n"
                 "get cl100k_base.tiktoken with tests/tokenizer/fetch_reference.sh DIR\n";
    return 2;
  }
  fs::path source = argc > 2 ? fs::path(argv[2]) : fs::path(L2MAC_SOURCE_DIR);
  auto start = std::chrono::steady_clock::now();
  auto tokenizer = l2mac::TiktokenTokenizer::Load(argv[1]);
  if (!tokenizer.ok()) {
    std::cerr << "tokenizer_bench: " << tokenizer.status().message() << "\n";
    return 3;
  }
  double load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  auto code = Collect(source, {"core", "cli", "agents", "control_unit", "filestore", "registry"},
                      {".cpp", ".hpp"});
  auto prose = Collect(source, {"docs", "agents", "examples", "bench"}, {".md"});
  prose.push_back(ReadFile(source / "README.md"));

  std::cout << fmt::format("ranks: {} tokens, loaded in {:.0f} ms\n\n",
                           (*tokenizer)->vocabulary_size(), load_ms);
  std::cout << "| samples | files | size | exact tokens | estimated | total error | "
               "mean abs error per file | mean signed error | max abs error | bytes/token |\n"
               "|---|---|---|---|---|---|---|---|---|---|\n";
  Report("code (C++)", code, **tokenizer);
  Report("prose (Markdown)", prose, **tokenizer);
  std::vector<std::string> all = code;
  all.insert(all.end(), prose.begin(), prose.end());
  Report("all", all, **tokenizer);

  double exact_speed =
      Throughput(all, [&](const std::string& text) { return (*tokenizer)->CountTokens(text); });
  double fast_speed =
      Throughput(all, [](const std::string& text) { return l2mac::FastEstimateTokens(text); });
  std::cout << fmt::format(
      "\nthroughput: exact tokenizer {:.1f} MB/s, fast estimate {:.0f} MB/s (x{:.0f})\n",
      exact_speed, fast_speed, fast_speed / exact_speed);
  return 0;
}
