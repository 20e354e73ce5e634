// In-process runs for the control-unit tests (header-only test support): the simulated
// model server answering from a ScriptedModel, an OpenAI-compatible provider pointed at
// it, and RunOptions for an output folder inside a private temporary folder.
//
// Declare one per test; it owns the model, the server, the provider and the folder.
#pragma once

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "control_unit/runner.hpp"
#include "core/llm/openai_provider.hpp"
#include "tests/scenarios/run_state.hpp"
#include "tests/scenarios/scripted_model.hpp"
#include "tests/scenarios/temp_dir.hpp"
#include "tests/sim/sim_model_server.hpp"

namespace l2mac::scenario {

class InProcessRun {
 public:
  InProcessRun(const std::string& name, ScriptedModel model)
      : dir_(name), model_(std::make_unique<ScriptedModel>(std::move(model))) {
    spdlog::set_level(spdlog::level::err);  // keep the run's progress lines out of the output
    server_ = std::make_unique<sim::SimModelServer>(model_->Handler());
    Status started = server_->Start();
    EXPECT_TRUE(started.ok()) << started.ToString();
    llm::OpenAiOptions options;
    options.base_url = server_->base_url();
    options.model = "sim-model";
    options.max_retries = 0;
    provider_ = llm::MakeOpenAiProvider(std::move(options));
    options_.out_dir = dir_.path() / "out";
    options_.task = "Build a tiny Python library of arithmetic and geometry helpers.";
    options_.task_source = "--task";
    options_.check_timeout = std::chrono::seconds(30);
  }

  control_unit::RunOptions& options() { return options_; }
  const std::filesystem::path& out() const { return options_.out_dir; }
  llm::Provider& provider() { return *provider_; }
  sim::SimModelServer& server() { return *server_; }
  std::vector<json> requests() const { return server_->requests(); }

  Result<control_unit::RunReport> Start() { return control_unit::StartRun(options_, *provider_); }
  Result<control_unit::RunReport> Resume() { return control_unit::ResumeRun(out(), *provider_); }

 private:
  TempDir dir_;
  std::unique_ptr<ScriptedModel> model_;
  // Declared after the model it calls, so it stops first.
  std::unique_ptr<sim::SimModelServer> server_;
  std::unique_ptr<llm::Provider> provider_;
  control_unit::RunOptions options_;
};

// A program from PlanStep()s.
inline registry::Program ProgramOf(const std::vector<json>& steps) {
  json list = json::array();
  for (const auto& step : steps) list.push_back(step);
  auto program = registry::ParseProgram(json{{"instructions", list}});
  EXPECT_TRUE(program.ok()) << program.status().ToString();
  return program.ok() ? *program : registry::Program{};
}

}  // namespace l2mac::scenario
