#include "filestore/path.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>

namespace l2mac::filestore {
namespace {

struct AcceptCase {
  std::string raw;
  std::string normalized;
};

void PrintTo(const AcceptCase& c, std::ostream* out) { *out << "'" << c.raw << "'"; }

class NormalizePathAccepts : public ::testing::TestWithParam<AcceptCase> {};

TEST_P(NormalizePathAccepts, ReturnsNormalizedPath) {
  const AcceptCase& c = GetParam();
  Result<std::string> result = NormalizePath(c.raw);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(*result, c.normalized);
}

INSTANTIATE_TEST_SUITE_P(
    Table, NormalizePathAccepts,
    ::testing::Values(
        AcceptCase{"app.py", "app.py"}, AcceptCase{"./src/app.py", "src/app.py"},
        AcceptCase{"././src/app.py", "src/app.py"}, AcceptCase{"src/.hidden/x", "src/.hidden/x"},
        AcceptCase{".gitignore", ".gitignore"},
        AcceptCase{".github/workflows/ci.yml", ".github/workflows/ci.yml"},
        AcceptCase{".l2macrc", ".l2macrc"}, AcceptCase{"docs/.git/notes", "docs/.git/notes"},
        AcceptCase{"docs/.l2mac/notes", "docs/.l2mac/notes"},
        AcceptCase{"a..b/c...d", "a..b/c...d"}, AcceptCase{"a/~b", "a/~b"},
        AcceptCase{"dir with spaces/file.txt", "dir with spaces/file.txt"},
        AcceptCase{"donn\xc3\xa9\x65s/r\xc3\xa9sum\xc3\xa9.md",
                   "donn\xc3\xa9\x65s/r\xc3\xa9sum\xc3\xa9.md"},
        AcceptCase{std::string(255, 'n'), std::string(255, 'n')},
        AcceptCase{
            std::string(200, 'a') + "/" + std::string(200, 'b') + "/" + std::string(200, 'c') +
                "/" + std::string(200, 'd') + "/" + std::string(220, 'e'),
            std::string(200, 'a') + "/" + std::string(200, 'b') + "/" + std::string(200, 'c') +
                "/" + std::string(200, 'd') + "/" + std::string(220, 'e')}));

struct RefuseCase {
  std::string raw;
  StatusCode code;
  std::string fragment;  // must appear in the message
};

void PrintTo(const RefuseCase& c, std::ostream* out) { *out << "'" << c.raw << "'"; }

class NormalizePathRefuses : public ::testing::TestWithParam<RefuseCase> {};

TEST_P(NormalizePathRefuses, NamesProblemAndValidForm) {
  const RefuseCase& c = GetParam();
  Result<std::string> result = NormalizePath(c.raw);
  ASSERT_FALSE(result.ok()) << "accepted as '" << *result << "'";
  EXPECT_EQ(result.status().code(), c.code) << result.status().ToString();
  const std::string message = result.status().message();
  EXPECT_NE(message.find(c.fragment), std::string::npos) << message;
  EXPECT_EQ(message.rfind("path '", 0), 0u) << message;
  EXPECT_NE(message.find("'src/app.py'"), std::string::npos) << message;  // a valid example
}

INSTANTIATE_TEST_SUITE_P(
    Table, NormalizePathRefuses,
    ::testing::Values(
        RefuseCase{"", StatusCode::kInvalidArgument, "'' is empty"},
        RefuseCase{"./", StatusCode::kInvalidArgument, "'./' names the project root"},
        RefuseCase{"/etc/passwd", StatusCode::kPermissionDenied, "'/etc/passwd' is absolute"},
        RefuseCase{"~/notes.txt", StatusCode::kPermissionDenied, "'~/notes.txt' starts with '~'"},
        RefuseCase{"src\\app.py", StatusCode::kInvalidArgument, "backslash"},
        RefuseCase{std::string("a\0b", 3), StatusCode::kInvalidArgument,
                   "'a\\x00b' contains a NUL"},
        RefuseCase{"a\nb", StatusCode::kInvalidArgument, "control character \\x0a"},
        RefuseCase{"bell\x07", StatusCode::kInvalidArgument, "control character \\x07"},
        RefuseCase{"del\x7f", StatusCode::kInvalidArgument, "control character \\x7f"},
        RefuseCase{"a//b", StatusCode::kInvalidArgument, "empty segment"},
        RefuseCase{".//a", StatusCode::kInvalidArgument, "empty segment"},
        RefuseCase{"a/./b", StatusCode::kInvalidArgument, "'.' segment"},
        RefuseCase{".", StatusCode::kInvalidArgument, "'.' segment"},
        RefuseCase{"../x", StatusCode::kPermissionDenied, "'../x' leaves the store root"},
        RefuseCase{"./../x", StatusCode::kPermissionDenied, "leaves the store root"},
        RefuseCase{"..", StatusCode::kPermissionDenied, "leaves the store root"},
        RefuseCase{"a/../b", StatusCode::kPermissionDenied, "'..' segment"},
        RefuseCase{"src/", StatusCode::kInvalidArgument, "ends with '/'"},
        RefuseCase{"src/" + std::string(256, 'x'), StatusCode::kInvalidArgument, "limit of 255"},
        RefuseCase{std::string(200, 'a') + "/" + std::string(200, 'b') + "/" +
                       std::string(200, 'c') + "/" + std::string(200, 'd') + "/" +
                       std::string(221, 'e'),
                   StatusCode::kInvalidArgument, "1025 bytes long, above the limit of 1024"},
        RefuseCase{".l2mac/state.db", StatusCode::kPermissionDenied, "reserved for l2mac"},
        RefuseCase{".l2mac", StatusCode::kPermissionDenied, "reserved for l2mac"},
        RefuseCase{".L2Mac/x", StatusCode::kPermissionDenied, "reserved for l2mac"},
        RefuseCase{".git/config", StatusCode::kPermissionDenied, "'.git'"},
        RefuseCase{"./.git/HEAD", StatusCode::kPermissionDenied, "'.git'"},
        RefuseCase{"\xff\xfe.txt", StatusCode::kInvalidArgument,
                   "'\\xff\\xfe.txt' is not valid UTF-8"},
        RefuseCase{"over\xc0\xaflong", StatusCode::kInvalidArgument, "not valid UTF-8"},
        RefuseCase{"surrogate\xed\xa0\x80", StatusCode::kInvalidArgument, "not valid UTF-8"},
        RefuseCase{"cut\xe2\x82", StatusCode::kInvalidArgument, "not valid UTF-8"}));

TEST(NormalizePathTest, EscapeMessageMatchesTheDocumentedForm) {
  Result<std::string> result = NormalizePath("../x");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(),
            "path '../x' leaves the store root: use a path relative to the project root such as "
            "'src/app.py'");
}

TEST(NormalizePathTest, LongRefusedPathIsShortenedInTheMessage) {
  std::string raw = "../" + std::string(5000, 'q');
  Result<std::string> result = NormalizePath(raw);
  ASSERT_FALSE(result.ok());
  EXPECT_LT(result.status().message().size(), 400u) << result.status().message();
  EXPECT_NE(result.status().message().find("qqq...' is 5003 bytes long"), std::string::npos)
      << result.status().message();
}

TEST(NormalizePathTest, NormalizedPathIsAFixedPoint) {
  for (const char* raw : {"./a/b.txt", "src/app.py", "./x"}) {
    Result<std::string> once = NormalizePath(raw);
    ASSERT_TRUE(once.ok()) << raw;
    Result<std::string> twice = NormalizePath(*once);
    ASSERT_TRUE(twice.ok()) << *once;
    EXPECT_EQ(*once, *twice);
  }
}

}  // namespace
}  // namespace l2mac::filestore
