#include "cli/option_checks.hpp"

#include <gtest/gtest.h>

namespace l2mac::cli {
namespace {

// The error a check gives for `value` ("" when it accepts it).
std::string Check(const CLI::Validator& check, std::string value) { return check(value); }

TEST(NumberRangeTest, DescribesAndChecksBoundsAsPeopleWriteThem) {
  CLI::Validator whole = WholeNumberRange(1000, 100000000);
  EXPECT_EQ(whole.get_description(), "1000 to 100000000");
  EXPECT_EQ(Check(whole, "1000"), "");
  EXPECT_EQ(Check(whole, "100000000"), "");
  EXPECT_EQ(Check(whole, "999"), "must be a whole number from 1000 to 100000000 (got '999')");
  EXPECT_NE(Check(whole, "2000.5"), "");
  EXPECT_NE(Check(whole, "abc"), "");
  EXPECT_NE(Check(whole, ""), "");

  CLI::Validator seconds = NumberRange(0.1, 86400.0);
  EXPECT_EQ(seconds.get_description(), "0.1 to 86400");
  EXPECT_EQ(Check(seconds, "0.1"), "");
  EXPECT_EQ(Check(seconds, "1e3"), "");
  EXPECT_EQ(Check(seconds, "0.05"), "must be a number from 0.1 to 86400 (got '0.05')");
  EXPECT_NE(Check(seconds, "nan"), "");
  EXPECT_NE(Check(seconds, "5s"), "");
  EXPECT_EQ(NumberRange(0.0, 1e12).get_description(), "0 to 1000000000000");
}

TEST(OneOfTest, AcceptsTheNamesAndSuggestsTheNearest) {
  CLI::Validator domain = OneOf({"codebase", "book", "custom"});
  EXPECT_EQ(domain.get_description(), "{codebase,book,custom}");
  EXPECT_EQ(Check(domain, "book"), "");
  EXPECT_EQ(Check(domain, "bok"),
            "unknown value 'bok'; did you mean book? (choose one of codebase, book, custom)");
  EXPECT_EQ(Check(domain, "novel"), "unknown value 'novel' (choose one of codebase, book, custom)");
}

TEST(MakeRangesReadableTest, ReplacesCli11RangesInEverySubcommand) {
  CLI::App app;
  CLI::App* run = app.add_subcommand("run");
  int64_t window = 0;
  double timeout = 0;
  double rate = 0;
  std::string name;
  run->add_option("--window", window)->check(CLI::Range(int64_t{1000}, int64_t{100000000}));
  run->add_option("--timeout", timeout)->check(CLI::Range(0.1, 86400.0));
  run->add_option("--rate", rate)->check(CLI::Range(0.0, 1e9));
  run->add_option("--name", name)->check(CLI::IsMember({"a", "b"}));
  MakeRangesReadable(app);

  EXPECT_EQ(run->get_option("--window")->get_validator(0)->get_description(), "1000 to 100000000");
  EXPECT_EQ(run->get_option("--timeout")->get_validator(0)->get_description(), "0.1 to 86400");
  EXPECT_EQ(run->get_option("--rate")->get_validator(0)->get_description(), "0 to 1000000000");
  EXPECT_EQ(run->get_option("--name")->get_validator(0)->get_description(), "{a,b}");

  try {
    app.parse("run --timeout 0.01", /*program_name_included=*/false);
    ADD_FAILURE() << "0.01 was accepted";
  } catch (const CLI::ValidationError& error) {
    EXPECT_EQ(std::string(error.what()),
              "--timeout: must be a number from 0.1 to 86400 (got '0.01')");
  }
}

}  // namespace
}  // namespace l2mac::cli
