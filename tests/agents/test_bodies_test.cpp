// Test bodies found per language, the assert-like statements counted in them, and tests
// located in their package (go) or crate (cargo).
#include "agents/toolchains/test_bodies.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace l2mac::toolchains {
namespace {

TestResult MakeTest(TestFramework framework, const std::string& id, const std::string& name,
                    const std::string& file) {
  TestResult test;
  test.framework = framework;
  test.id = id;
  test.name = name;
  test.file = file;
  return test;
}

TEST(TestBodiesTest, PythonCountsAssertsInTheFunctionOrMethodOnly) {
  const std::string source =
      "import pytest\n\n"
      "def test_add():\n"
      "    assert add(1, 1) == 2  # assert in a comment does not count\n"
      "    \"\"\"assert in a docstring does not either\"\"\"\n"
      "    with pytest.raises(ValueError):\n"
      "        add('a', None)\n"
      "\n"
      "    # assert add(2, 2) == 4\n"
      "    assert add(2, 2) == 4\n"
      "\n"
      "def test_other():\n"
      "    assert True\n"
      "\n"
      "class TestGroup:\n"
      "    def test_add(self):\n"
      "        self.assertEqual(1, 1)\n"
      "\n"
      "    async def test_wait(\n"
      "        self,\n"
      "    ):\n"
      "        assert await ready()\n"
      "        assert done()\n";
  auto count = [&](const std::string& id, const std::string& name) {
    return CountTestAssertions(
        "tests/test_app.py", source,
        MakeTest(TestFramework::kPytest, "tests/test_app.py::" + id, name, "tests/test_app.py"));
  };
  EXPECT_EQ(count("test_add", "test_add"), 3);
  EXPECT_EQ(count("test_other", "test_other"), 1);
  EXPECT_EQ(count("TestGroup::test_add", "test_add"), 1);
  EXPECT_EQ(count("TestGroup::test_wait", "test_wait"), 2);
  EXPECT_EQ(count("test_missing", "test_missing"), -1);
}

TEST(TestBodiesTest, JavaScriptFindsTheTestCallByItsNameAndNesting) {
  const std::string source =
      "const test = require('node:test');\n"
      "// test('adds', () => { assert.ok(false); });\n"
      "test('adds', () => {\n"
      "  assert.strictEqual(sum(1, 2), 3);\n"
      "  assert.ok(sum(0, 0) === 0, 'assert in a message');\n"
      "});\n"
      "describe(\"suite\", () => {\n"
      "  it(`inner`, async () => { expect(await f()).toBe(1); });\n"
      "  it('adds', () => { assert.equal(1, 1); });\n"
      "});\n";
  auto count = [&](const std::string& path) {
    return CountTestAssertions(
        "test/sum.test.js", source,
        MakeTest(TestFramework::kNodeTest, "test/sum.test.js::" + path,
                 path.substr(path.find_last_of('>') + 2), "test/sum.test.js"));
  };
  EXPECT_EQ(CountTestAssertions("test/sum.test.js", source,
                                MakeTest(TestFramework::kNodeTest, "test/sum.test.js::adds", "adds",
                                         "test/sum.test.js")),
            2);
  EXPECT_EQ(count("suite > inner"), 1);
  EXPECT_EQ(count("suite > adds"), 1);
  EXPECT_EQ(count("suite > missing"), -1);
}

TEST(TestBodiesTest, GoRustAndGoogletestBodies) {
  const std::string go =
      "package calc\n\nimport \"testing\"\n\n"
      "func TestAdd(t *testing.T) {\n"
      "\tif err := check(); err != nil {\n\t\tt.Fatalf(\"check: %v\", err.Error())\n\t}\n"
      "\tif Add(2, 3) != 5 {\n\t\tt.Errorf(\"Add(2, 3) = %d\", Add(2, 3))\n\t}\n"
      "\trequire.Equal(t, 1, 1)\n"
      "\t// t.Error(\"commented out\")\n"
      "}\n\nfunc TestEmpty(t *testing.T) {\n}\n";
  EXPECT_EQ(CountTestAssertions("calc_test.go", go,
                                MakeTest(TestFramework::kGoTest, "x::TestAdd", "TestAdd", "")),
            3);
  EXPECT_EQ(CountTestAssertions("calc_test.go", go,
                                MakeTest(TestFramework::kGoTest, "x::TestEmpty", "TestEmpty", "")),
            0);
  const std::string rust =
      "fn helper() { assert!(true); }\n"
      "#[cfg(test)]\nmod tests {\n"
      "    #[test]\n    #[ignore]\n    fn adds() {\n"
      "        let s: &'static str = \"{\";\n"
      "        assert_eq!(super::add(2, 3), 5);\n        debug_assert!(s.len() == 1);\n    }\n"
      "    fn not_a_test() { assert!(false); }\n}\n";
  EXPECT_EQ(CountTestAssertions(
                "src/lib.rs", rust,
                MakeTest(TestFramework::kCargoTest, "src/lib.rs::tests::adds", "adds", "")),
            2);
  EXPECT_EQ(CountTestAssertions(
                "src/lib.rs", rust,
                MakeTest(TestFramework::kCargoTest, "src/lib.rs::helper", "not_a_test", "")),
            -1);
  const std::string cpp =
      "#include <gtest/gtest.h>\n"
      "TEST(Calc, Adds) {\n  EXPECT_EQ(add(1, 2), 3);\n  ASSERT_TRUE(add(0, 0) == 0);\n}\n"
      "TEST_F(Fixture, Runs) { assert(ok()); }\n";
  EXPECT_EQ(CountTestAssertions("calc_test.cpp", cpp,
                                MakeTest(TestFramework::kCtest, "Calc.Adds", "Calc.Adds", "")),
            2);
  EXPECT_EQ(
      CountTestAssertions("calc_test.cpp", cpp,
                          MakeTest(TestFramework::kCtest, "Fixture.Runs", "Fixture.Runs", "")),
      1);
  EXPECT_EQ(CountTestAssertions("calc_test.cpp", cpp,
                                MakeTest(TestFramework::kCtest, "calc", "calc", "")),
            -1);
}

class LocateTestsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("l2mac_locate_test_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& path, const std::string& content) {
    std::filesystem::create_directories((dir_ / path).parent_path());
    std::ofstream(dir_ / path, std::ios::binary) << content;
  }
  std::filesystem::path dir_;
};

TEST_F(LocateTestsTest, GoTestsAreFoundInTheirPackageAndRustTestsInTheirTarget) {
  Write("go.mod", "module example.com/calc\n\ngo 1.19\n");
  Write("calc_test.go", "package calc\nfunc TestAdd(t *testing.T) {\n\tt.Fatal(\"x\")\n}\n");
  Write("sub/sub_test.go", "package sub\nfunc TestAdd(t *testing.T) {\n}\n");
  Write("src/lib.rs", "mod more;\n");
  Write("src/more.rs", "#[test]\nfn adds() { assert!(true); assert!(true); }\n");
  std::vector<TestResult> tests = {
      MakeTest(TestFramework::kGoTest, "example.com/calc::TestAdd", "TestAdd", ""),
      MakeTest(TestFramework::kGoTest, "example.com/calc/sub::TestAdd", "TestAdd", ""),
      MakeTest(TestFramework::kGoTest, "example.com/calc::TestAdd/case", "TestAdd", ""),
      MakeTest(TestFramework::kCargoTest, "src/lib.rs::more::adds", "adds", ""),
      MakeTest(TestFramework::kGoTest, "example.com/other::TestAdd", "TestAdd", ""),
  };
  LocateTests(dir_, {"calc_test.go", "go.mod", "src/lib.rs", "src/more.rs", "sub/sub_test.go"},
              tests);
  EXPECT_EQ(tests[0].file, "calc_test.go");
  EXPECT_EQ(tests[0].assertions, 1);
  EXPECT_EQ(tests[1].file, "sub/sub_test.go");
  EXPECT_EQ(tests[1].assertions, 0);
  EXPECT_EQ(tests[2].file, "calc_test.go");
  EXPECT_EQ(tests[2].assertions, -1);  // a subtest's checks are its test's
  EXPECT_EQ(tests[3].file, "src/more.rs");
  EXPECT_EQ(tests[3].assertions, 2);
  EXPECT_EQ(tests[4].file, "");
  EXPECT_EQ(tests[4].assertions, -1);
}

}  // namespace
}  // namespace l2mac::toolchains
