// Finds a test's body in its source and counts the assert-like statements in it, so the
// gate sees a protected test whose assertions were removed (the runner still reports it
// as passing). Line and bracket rules per language, robust to code that does not parse:
//   Python      def NAME / async def NAME (inside its classes), to the end of the block
//   JavaScript  the test(...)/it(...)/describe(...) call whose first argument is the name,
//   TypeScript  nested by the parents in the id
//   Go          func NAME(...) { ... } in the package's *_test.go files
//   Rust        fn NAME with a #[test]-like attribute above it
//   C/C++       TEST(Suite, Name), TEST_F(...) for googletest names "Suite.Name" in ctest
// Assert-like: Python assert*, raises, warns; JavaScript assert*, expect; Go .Error(...),
// .Errorf, .Fatal, .Fatalf, .Fail(), .FailNow(), assert./require.; Rust assert*! and
// debug_assert*!; C/C++ assert, static_assert, ASSERT_*, EXPECT_*, CHECK*, REQUIRE*. Words
// in comments and string literals do not count. Pure functions; thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "agents/toolchains/test_results.hpp"

namespace l2mac::toolchains {

// The assert-like statements in the body of `test` in `content`, the source at `path`
// (its extension names the language); -1 when the body is not found there.
int CountTestAssertions(const std::string& path, std::string_view content, const TestResult& test);

// For each test: finds the file defining it when its runner did not say (go: the
// package's *_test.go files, using go.mod's module path; cargo: the target's file, then
// the other .rs files; ctest: googletest sources), then sets `assertions`. `files` lists
// the snapshot's files (relative); unreadable files count as not found.
void LocateTests(const std::filesystem::path& root, const std::vector<std::string>& files,
                 std::vector<TestResult>& tests);

}  // namespace l2mac::toolchains
