// Which tests cover which requirement: the convention workers are asked to follow (in
// agents/prompts/common/requirements.md, shown with an instruction that covers
// requirements), and the reading of it from the tests a gate reported.
//
// The convention, the same for every toolchain profile: a test names the requirements it
// covers by putting each id as a word of its own in the test's name, the name its runner
// reports (TestResult::name). A word of its own means the characters on both sides, if
// any, are neither letters nor digits; case is ignored (Rust and Go style rules differ).
// So for requirement F3:
//   python      (pytest)        def test_F3_resolves_known_code():
//   javascript  (node --test)   test('F3 resolves a known code', () => { ... })
//   typescript  (node --test)   test('F3: resolves a known code', ...)
//   go          (go test)       func Test_F3_ResolvesKnownCode(t *testing.T)
//   rust        (cargo test)    fn f3_resolves_known_code()
//   c/c++       (ctest)         TEST(Shortener, F3_ResolvesKnownCode), or add_test(NAME F3_resolve
//   ...)
// A test may name several ids (test_F3_F4_click_is_counted). Not read: ids only in a class
// or suite name (TestF3::test_x, describe('F3')), in a file name, or glued to other words
// (TestF3Resolve, test_f3resolve), which would make F3 and F30 ambiguous.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agents/toolchains/test_results.hpp"

namespace l2mac::toolchains {

// The ids of `requirement_ids` that `test_name` names, in the order of `requirement_ids`.
std::vector<std::string> RequirementsNamedBy(std::string_view test_name,
                                             const std::vector<std::string>& requirement_ids);

// One test naming one requirement, as a gate reported it.
struct RequirementTest {
  std::string requirement;  // as the program spells it
  std::string profile;      // ProfileTests::profile
  std::string test_id;      // TestResult::id
  std::string name;         // TestResult::name
  std::string file;         // TestResult::file; may be empty
  TestOutcome outcome = TestOutcome::kPassed;
};

// Every (requirement, test) pair in `runs` by the convention, in report order.
std::vector<RequirementTest> MatchRequirementTests(const std::vector<ProfileTests>& runs,
                                                   const std::vector<std::string>& requirement_ids);

}  // namespace l2mac::toolchains
