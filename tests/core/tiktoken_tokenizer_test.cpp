#include "core/tiktoken_tokenizer.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/llm/request_tokens.hpp"

namespace l2mac {
namespace {

using Pieces = std::vector<std::string_view>;

// a b c d as single bytes; "bc" merges before "ab", which merges before "cd".
constexpr const char* kTinyRanks =
    "YQ== 0\n"   // a
    "Yg== 1\n"   // b
    "Yw== 2\n"   // c
    "ZA== 3\n"   // d
    "YmM= 4\n"   // bc
    "YWI= 5\n"   // ab
    "Y2Q= 6\n"   // cd
    "IGFi 7\n";  // " ab"

std::shared_ptr<const TiktokenTokenizer> Tiny() {
  auto parsed = TiktokenTokenizer::Parse(kTinyRanks, "tiny.tiktoken");
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.ok() ? *parsed : nullptr;
}

TEST(TiktokenTokenizerTest, MergesTheLowestRankedPairFirst) {
  auto tokenizer = Tiny();
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_EQ(tokenizer->vocabulary_size(), 8u);
  EXPECT_EQ(tokenizer->CountPieceTokens(""), 0);
  EXPECT_EQ(tokenizer->CountPieceTokens("a"), 1);
  EXPECT_EQ(tokenizer->CountPieceTokens("ab"), 1);
  // bc (4) first: a|bc|d, and neither "abc" nor "bcd" is a token. Merging left to right
  // instead would give ab|cd, two tokens.
  EXPECT_EQ(tokenizer->CountPieceTokens("abcd"), 3);
  // ab|ab|ab: no pair of "ab"s is a token.
  EXPECT_EQ(tokenizer->CountPieceTokens("ababab"), 3);
  // Bytes without a rank stay one token each.
  EXPECT_EQ(tokenizer->CountPieceTokens("xyz"), 3);
  // " ab" is one piece of the pre-tokenizer and one token; "cd" another.
  EXPECT_EQ(tokenizer->CountTokens("cd ab"), 2);
  EXPECT_EQ(tokenizer->CountTokens("abcd ab"), 4);
}

TEST(TiktokenTokenizerTest, PreTokenizerFollowsCl100kPattern) {
  EXPECT_EQ(TiktokenTokenizer::PreTokenize("Hello world"), (Pieces{"Hello", " world"}));
  EXPECT_EQ(TiktokenTokenizer::PreTokenize("don't WE'LL"), (Pieces{"don", "'t", " WE", "'LL"}));
  EXPECT_EQ(TiktokenTokenizer::PreTokenize("x  = 12345;\n\n  y"),
            (Pieces{"x", " ", " =", " ", "123", "45", ";\n\n", " ", " y"}));
  EXPECT_EQ(TiktokenTokenizer::PreTokenize("(self)\n\tif"), (Pieces{"(self", ")\n", "\tif"}));
  EXPECT_EQ(TiktokenTokenizer::PreTokenize("a \n\n  b   "),
            (Pieces{"a", " \n\n", " ", " b", "   "}));
  // Non-ASCII letters join words; an em dash is punctuation that starts the next word.
  EXPECT_EQ(TiktokenTokenizer::PreTokenize("caf\xc3\xa9\xe2\x80\x94na\xc3\xafve"),
            (Pieces{"caf\xc3\xa9", "\xe2\x80\x94na\xc3\xafve"}));
  EXPECT_TRUE(TiktokenTokenizer::PreTokenize("").empty());
}

void ExpectError(std::string_view contents, std::string_view fragment) {
  auto parsed = TiktokenTokenizer::Parse(contents, "ranks.tiktoken");
  ASSERT_FALSE(parsed.ok()) << contents;
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find(fragment), std::string::npos)
      << parsed.status().message();
}

TEST(TiktokenTokenizerTest, MalformedFilesAreRejectedNamingFileAndLine) {
  ExpectError("", "ranks.tiktoken is empty");
  ExpectError("\n\n", "ranks.tiktoken is empty");
  ExpectError("YQ== 0\nYg==\n", "ranks.tiktoken:2: expected a base64 token");
  ExpectError("YQ== 0 1\n", "ranks.tiktoken:1: expected");
  ExpectError("YQ== 0\n!!!! 1\n", "ranks.tiktoken:2: the token is not valid base64");
  ExpectError("YQ= 0\n", "ranks.tiktoken:1: the token is not valid base64");
  ExpectError("YQ== x\n", "ranks.tiktoken:1: the rank \"x\" is not a non-negative integer");
  ExpectError("YQ== -1\n", "is not a non-negative integer");
  ExpectError("YQ== 0\nYg== 1\nYw== 1\n", "ranks.tiktoken:3: duplicate rank 1");
  ExpectError("YQ== 0\nYQ== 1\n", "the token with rank 1 appears twice");
  EXPECT_TRUE(TiktokenTokenizer::Parse("YQ== 0\r\nYg== 1\r\n\r\n", "crlf").ok());
}

TEST(TiktokenTokenizerTest, LoadsFromAFileAndNamesAMissingOne) {
  auto missing = TiktokenTokenizer::Load("/nonexistent/cl100k_base.tiktoken");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("/nonexistent/cl100k_base.tiktoken"),
            std::string::npos);

  auto path = std::filesystem::temp_directory_path() / "l2mac_tiny.tiktoken";
  std::ofstream(path) << kTinyRanks;
  auto loaded = TiktokenTokenizer::Load(path.string());
  std::filesystem::remove(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->CountTokens("abcd"), 3);
}

TEST(TiktokenTokenizerTest, EstimateTokensCountsWithTheTokenizerGiven) {
  auto tokenizer = Tiny();
  ASSERT_NE(tokenizer, nullptr);
  EXPECT_EQ(EstimateTokens(nullptr, "abcd"), 1);  // the fast estimate: 4 bytes
  EXPECT_EQ(EstimateTokens(tokenizer.get(), "abcd"), 3);
  EXPECT_EQ(llm::EstimateMessageTokens(tokenizer.get(), llm::ChatMessage::User("abcd")), 4 + 3);
  EXPECT_EQ(EstimateTokens(nullptr, "abcd"), 1);
}

}  // namespace
}  // namespace l2mac
