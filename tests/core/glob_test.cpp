// The one glob dialect (core/glob.hpp): what each construct matches, which part of the path
// a pattern meets, and that matching stays linear on patterns that make backtracking
// matchers exponential.
#include "core/glob.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace l2mac {
namespace {

TEST(GlobTest, StarStaysInASegmentAndQuestionMarkIsOneByte) {
  EXPECT_TRUE(GlobMatch("src/*.py", "src/app.py"));
  EXPECT_FALSE(GlobMatch("src/*.py", "src/sub/app.py"));
  EXPECT_TRUE(GlobMatch("src/*", "src/.hidden"));
  EXPECT_TRUE(GlobMatch("src/a?c.py", "src/abc.py"));
  EXPECT_FALSE(GlobMatch("src/a?c.py", "src/ac.py"));
  EXPECT_FALSE(GlobMatch("a?b/x", "a/b/x"));
  EXPECT_TRUE(GlobMatch("a*b/x", "ab/x"));
}

TEST(GlobTest, DoubleStarIsAnyNumberOfWholeSegments) {
  EXPECT_TRUE(GlobMatch("src/**/*.py", "src/app.py"));
  EXPECT_TRUE(GlobMatch("src/**/*.py", "src/a/b/app.py"));
  EXPECT_FALSE(GlobMatch("src/**/*.py", "lib/src/app.py"));
  EXPECT_TRUE(GlobMatch("**/test_*.py", "test_x.py"));
  EXPECT_TRUE(GlobMatch("**/test_*.py", "tests/unit/test_x.py"));
  EXPECT_FALSE(GlobMatch("**/test_*.py", "tests/xtest_x.py"));
  // "**/" starts at a segment boundary: "x" + "b" is not a segment named "b".
  EXPECT_FALSE(GlobMatch("**/b", "xb"));
  EXPECT_TRUE(GlobMatch("a/**/b", "a/b"));
  EXPECT_TRUE(GlobMatch("a/**/b", "a/x/y/b"));
  EXPECT_FALSE(GlobMatch("a/**/b", "a/xb"));
  EXPECT_TRUE(GlobMatch("build/**", "build/x/y.o"));
  EXPECT_FALSE(GlobMatch("build/**", "build"));
  EXPECT_TRUE(GlobMatch("**", "any/thing/at/all"));
  // Elsewhere "**" is a plain '*'.
  EXPECT_TRUE(GlobMatch("src/a**b", "src/axyb"));
  EXPECT_FALSE(GlobMatch("src/a**b", "src/a/b"));
}

TEST(GlobTest, WhichPartOfThePathAPatternMeets) {
  // No '/': the file's name, in any folder.
  EXPECT_TRUE(GlobMatch("*.py", "app.py"));
  EXPECT_TRUE(GlobMatch("*.py", "src/deep/app.py"));
  EXPECT_FALSE(GlobMatch("*.py", "src/app.pyc"));
  EXPECT_FALSE(GlobMatch("src", "src/app.py"));
  // A '/': the whole path from the root.
  EXPECT_TRUE(GlobMatch("test/*.js", "test/a.js"));
  EXPECT_FALSE(GlobMatch("test/*.js", "src/test/a.js"));
  // A leading '/': anchored at the root.
  EXPECT_TRUE(GlobMatch("/CMakeLists.txt", "CMakeLists.txt"));
  EXPECT_FALSE(GlobMatch("/CMakeLists.txt", "sub/CMakeLists.txt"));
  EXPECT_TRUE(GlobMatch("./setup.py", "setup.py"));
  EXPECT_FALSE(GlobMatch("./setup.py", "pkg/setup.py"));
  // A trailing '/': everything under the folder.
  EXPECT_TRUE(GlobMatch("docs/", "docs/a/b.md"));
  EXPECT_FALSE(GlobMatch("docs/", "src/docs/b.md"));
}

TEST(GlobTest, ClassesRangesNegationAndEscapes) {
  EXPECT_TRUE(GlobMatch("file?.[ch]", "file1.h"));
  EXPECT_FALSE(GlobMatch("file?.[ch]", "file1.o"));
  EXPECT_TRUE(GlobMatch("v[0-9].txt", "v7.txt"));
  EXPECT_FALSE(GlobMatch("v[!0-9].txt", "v7.txt"));
  EXPECT_TRUE(GlobMatch("v[^0-9].txt", "vx.txt"));
  EXPECT_TRUE(GlobMatch("[[:digit:]][[:alpha:]]", "1a"));
  EXPECT_FALSE(GlobMatch("[[:digit:]][[:alpha:]]", "a1"));
  EXPECT_TRUE(GlobMatch("[]]x", "]x"));
  EXPECT_TRUE(GlobMatch("[a-]", "-"));
  EXPECT_FALSE(GlobMatch("a[!x]b/c", "a/b/c"));  // a class never matches '/'
  EXPECT_TRUE(GlobMatch("[unclosed", "[unclosed"));
  EXPECT_TRUE(GlobMatch("a\\*b", "a*b"));
  EXPECT_FALSE(GlobMatch("a\\*b", "axb"));
  EXPECT_TRUE(GlobMatch("[\\]]", "]"));
}

TEST(GlobTest, EmptyAndOverlongPatternsAreRefusedWithTheLimit) {
  EXPECT_FALSE(Glob::Compile("").ok());
  EXPECT_FALSE(Glob::Compile("/").ok());
  auto long_pattern = Glob::Compile(std::string(Glob::kMaxPatternBytes + 1, 'a'));
  ASSERT_FALSE(long_pattern.ok());
  EXPECT_EQ(long_pattern.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(long_pattern.status().message().find("above the limit of 1024"), std::string::npos)
      << long_pattern.status().message();
  EXPECT_TRUE(Glob::Compile(std::string(Glob::kMaxPatternBytes, '*')).ok());
  EXPECT_FALSE(GlobMatch("", "a"));
}

// Regression: the file store's backtracking matcher took 36 s on this pair (exponential in
// the number of stars). The state-set matcher answers at once; the bound is only a guard
// far above what it needs, so a slow machine does not make it flaky.
TEST(GlobTest, ManyStarsOnALongPathFinishInLinearTime) {
  const std::string pattern = "*a*a*a*a*a*a*a*a*b";
  const std::string path(61, 'a');
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(GlobMatch(pattern, path));
  EXPECT_TRUE(GlobMatch(pattern, path + "b"));
  // Far larger: 200 stars over an 8 KB path, hopeless for backtracking.
  std::string many;
  for (int i = 0; i < 200; ++i) many += "*a";
  EXPECT_FALSE(GlobMatch(many + "*b", std::string(8000, 'a')));
  EXPECT_FALSE(
      GlobMatch("**/" + many + "/**/b", std::string(4000, 'a') + "/" + std::string(4000, 'a')));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(1));
}

}  // namespace
}  // namespace l2mac
