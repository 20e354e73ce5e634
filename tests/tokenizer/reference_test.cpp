// The C++ tokenizer's counts equal js-tiktoken's (cl100k_base) on the repository's own
// sources and docs. Needs node and the npm registry (the first run installs js-tiktoken
// into the build folder); fails, never skips, when they are missing.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/tiktoken_tokenizer.hpp"

namespace l2mac {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = L2MAC_SOURCE_DIR;
const fs::path kReferenceDir = fs::path(L2MAC_BUILD_DIR) / "tokenizer_reference";

struct CommandOutput {
  int status;
  std::string out;
};

CommandOutput RunCommand(const std::string& command) {
  CommandOutput result{-1, ""};
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.out.append(buffer.data(), n);
  result.status = pclose(pipe);
  return result;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::string Quote(const std::string& s) { return "'" + s + "'"; }

// The samples: every tracked C++ source of the core and the CLI (code) and every
// Markdown file (prose: docs, prompts, examples).
std::vector<fs::path> Samples() {
  std::vector<fs::path> samples;
  for (const char* folder : {"core", "cli", "agents", "control_unit", "filestore"}) {
    for (const auto& entry : fs::recursive_directory_iterator(kSource / folder)) {
      auto ext = entry.path().extension();
      if (entry.is_regular_file() && (ext == ".cpp" || ext == ".hpp"))
        samples.push_back(entry.path());
    }
  }
  for (const char* folder : {"docs", "agents", "examples", "bench"}) {
    for (const auto& entry : fs::recursive_directory_iterator(kSource / folder)) {
      if (entry.is_regular_file() && entry.path().extension() == ".md")
        samples.push_back(entry.path());
    }
  }
  samples.push_back(kSource / "README.md");
  // Edge cases of the pattern: contractions, digit runs, whitespace before words, digits
  // and punctuation, CRLF, tabs, trailing spaces, accents, CJK, punctuation and emoji.
  fs::path edge = fs::path(L2MAC_BUILD_DIR) / "tokenizer_reference" / "edge_cases.txt";
  fs::create_directories(edge.parent_path());
  std::ofstream(edge, std::ios::binary)
      << "I'm sure you'LL see: they're 'quoted' and we've I'D.\n"
         "x=1234567;  y = 42 ;\t\tz\r\n\r\n  \n   \n\tend   \n"
         "if (a&&b) { return -3.14e+10; }   // comment\n\n\n"
         "caf\xc3\xa9 na\xc3\xafve \xe2\x80\x94 \xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x86\x92 "
         "\xe4\xb8\xad\xe6\x96\x87\xe3\x80\x82 \xf0\x9f\x98\x80!! \xc2\xa0nbsp 12\xc2\xb3  \n"
         "   leading spaces\n\n\n\n    \t  mixed\x0b\x0c end  ";
  samples.push_back(edge);
  return samples;
}

TEST(TokenizerReferenceTest, CountsEqualJsTiktokenOnCodeAndProse) {
  CommandOutput fetched =
      RunCommand("bash " + Quote((kSource / "tests/tokenizer/fetch_reference.sh").string()) + " " +
                 Quote(kReferenceDir.string()) + " 2>&1");
  ASSERT_EQ(fetched.status, 0) << "could not fetch the reference tokenizer (node, npm and the npm "
                                  "registry are needed):\n"
                               << fetched.out;
  auto tokenizer = TiktokenTokenizer::Load((kReferenceDir / "cl100k_base.tiktoken").string());
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().ToString();
  EXPECT_EQ((*tokenizer)->vocabulary_size(), 100256u);

  std::vector<fs::path> samples = Samples();
  ASSERT_GT(samples.size(), 50u);
  std::string command = "node " + Quote((kSource / "tests/tokenizer/count_tokens.cjs").string()) +
                        " " + Quote(kReferenceDir.string());
  for (const auto& sample : samples) command += " " + Quote(sample.string());
  CommandOutput counted = RunCommand(command);
  ASSERT_EQ(counted.status, 0) << counted.out;
  std::map<std::string, int64_t> expected;
  std::istringstream lines(counted.out);
  int64_t count = 0;
  std::string path;
  while (lines >> count && std::getline(lines >> std::ws, path)) expected[path] = count;
  ASSERT_EQ(expected.size(), samples.size()) << counted.out;

  int64_t total_expected = 0;
  int64_t total_counted = 0;
  int mismatches = 0;
  for (const auto& sample : samples) {
    int64_t exact = expected[sample.string()];
    int64_t ours = (*tokenizer)->CountTokens(ReadFile(sample));
    total_expected += exact;
    total_counted += ours;
    if (ours != exact) ++mismatches;
    EXPECT_EQ(ours, exact) << sample;
  }
  std::cout << samples.size() << " samples, " << total_expected << " tokens (js-tiktoken), "
            << total_counted << " counted, " << mismatches << " files differ\n";
}

}  // namespace
}  // namespace l2mac
