#include "core/config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace l2mac {
namespace {

namespace fs = std::filesystem;

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("l2mac-config-test-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path Write(const std::string& name, const std::string& text) {
    fs::path path = dir_ / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path;
  }

  fs::path dir_;
};

TEST(ConfigTest, ReadsTypedValuesFromSections) {
  auto config = Config::Parse(R"({"model": {"name": "m", "timeout_seconds": 30,
      "stream": false, "stop": ["a", "b"], "limits": {"rpm": 60}}})",
                              "c.json");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto model = config->Section("model");
  ASSERT_TRUE(model.ok());
  EXPECT_TRUE(model->present());
  EXPECT_EQ(*model->GetString("name").value(), "m");
  EXPECT_EQ(*model->GetNumber("timeout_seconds").value(), 30.0);
  EXPECT_EQ(*model->GetInteger("timeout_seconds").value(), 30);
  EXPECT_FALSE(*model->GetBool("stream").value());
  EXPECT_EQ(model->GetStringList("stop").value()->size(), 2u);
  auto limits = model->GetSection("limits");
  ASSERT_TRUE(limits.ok());
  EXPECT_EQ(limits->key_path(), "model.limits");
  EXPECT_EQ(*limits->GetInteger("rpm").value(), 60);
  EXPECT_FALSE(model->GetString("absent").value().has_value());
  EXPECT_EQ(model->Keys(),
            (std::vector<std::string>{"limits", "name", "stop", "stream", "timeout_seconds"}));
}

TEST(ConfigTest, AbsentSectionIsEmptyNotAnError) {
  auto config = Config::Parse("{}", "c.json");
  ASSERT_TRUE(config.ok());
  auto sandbox = config->Section("sandbox");
  ASSERT_TRUE(sandbox.ok());
  EXPECT_FALSE(sandbox->present());
  EXPECT_FALSE(sandbox->GetBool("enabled").value().has_value());
  EXPECT_TRUE(Config().Section("model")->GetString("name").value() == std::nullopt);
}

TEST(ConfigTest, WrongTypesNameFileKeyPathAndExpectedType) {
  auto config = Config::Parse(R"({"model": {"timeout_seconds": "30", "retries": 2.5,
      "stream": "yes", "stop": [1]}, "sandbox": 3})",
                              "/x/config.json");
  ASSERT_TRUE(config.ok());
  auto model = config->Section("model").value();
  Status number = model.GetNumber("timeout_seconds").status();
  EXPECT_EQ(number.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(number.message().find("/x/config.json: model.timeout_seconds must be a number"),
            std::string::npos)
      << number.message();
  EXPECT_NE(model.GetInteger("retries").status().message().find("whole number"), std::string::npos);
  EXPECT_NE(model.GetBool("stream").status().message().find("true or false"), std::string::npos);
  EXPECT_NE(model.GetStringList("stop").status().message().find("list of strings"),
            std::string::npos);
  Status section = config->Section("sandbox").status();
  EXPECT_NE(section.message().find("sandbox must be an object"), std::string::npos)
      << section.message();
}

TEST(ConfigTest, UnknownKeysAndSectionsAreErrorsThatListTheKnownOnes) {
  auto config = Config::Parse(R"({"model": {"nmae": "x"}, "modle": {}})", "c.json");
  ASSERT_TRUE(config.ok());
  Status sections = config->RejectUnknownSections(KnownConfigSections());
  EXPECT_FALSE(sections.ok());
  EXPECT_NE(sections.message().find("modle is not a known setting"), std::string::npos)
      << sections.message();
  EXPECT_NE(sections.message().find("model"), std::string::npos);
  Status keys = config->Section("model")->RejectUnknownKeys({"name", "base_url"});
  EXPECT_NE(keys.message().find("model.nmae is not a known setting"), std::string::npos)
      << keys.message();
  EXPECT_NE(keys.message().find("name, base_url"), std::string::npos);
}

TEST(ConfigTest, MalformedJsonIsInvalidArgumentNamingTheFile) {
  auto broken = Config::Parse("{\"model\": {", "/x/config.json");
  EXPECT_EQ(broken.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(broken.status().message().find("/x/config.json: not valid JSON"), std::string::npos);
  auto array = Config::Parse("[1]", "/x/config.json");
  EXPECT_NE(array.status().message().find("must be a JSON object"), std::string::npos);
}

TEST(ConfigTest, CommentsAreAllowed) {
  auto config = Config::Parse("{\n// the model\n\"model\": {\"name\": \"m\"} /* end */}", "c");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(*config->Section("model")->GetString("name").value(), "m");
}

TEST(ConfigTest, SectionsStayValidAfterTheConfigMoves) {
  auto config = Config::Parse(R"({"model": {"name": "m"}})", "c.json");
  ASSERT_TRUE(config.ok());
  ConfigSection model = config->Section("model").value();
  Config moved = std::move(config).value();
  EXPECT_EQ(*model.GetString("name").value(), "m");
  EXPECT_EQ(moved.origin(), "c.json");
}

TEST_F(ConfigFileTest, ExplicitPathWinsAndMustExist) {
  fs::path file = Write("explicit.json", R"({"model": {"name": "explicit"}})");
  ScopedEnv env("L2MAC_CONFIG", Write("env.json", R"({"model": {"name": "env"}})").string());
  auto config = Config::LoadDefault(file);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(*config->Section("model")->GetString("name").value(), "explicit");
  EXPECT_EQ(config->origin(), file.string());

  auto missing = Config::LoadDefault(dir_ / "nope.json");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("nope.json"), std::string::npos);
  EXPECT_EQ(Config::Load(dir_).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ConfigFileTest, EnvironmentThenXdgThenNothing) {
  ScopedEnv xdg("XDG_CONFIG_HOME", (dir_ / "xdg").string());
  {
    ScopedEnv env("L2MAC_CONFIG", Write("env.json", R"({"model": {"name": "env"}})").string());
    EXPECT_EQ(*Config::LoadDefault(std::nullopt)->Section("model")->GetString("name").value(),
              "env");
  }
  ScopedEnv no_env("L2MAC_CONFIG", "");
  EXPECT_EQ(Config::LoadDefault(std::nullopt)->origin(), "");  // nothing configured
  Write("xdg/l2mac/config.json", R"({"model": {"name": "xdg"}})");
  EXPECT_EQ(*Config::LoadDefault(std::nullopt)->Section("model")->GetString("name").value(), "xdg");
}

}  // namespace
}  // namespace l2mac
