#include "control_unit/run_options.hpp"

#include <fmt/format.h>

#include "core/llm/prices.hpp"

namespace l2mac::control_unit {

nlohmann::json RunOptions::ToJson() const {
  return {{"task_source", task_source},
          {"domain", agents::DomainName(domain)},
          {"prompts_dir", prompts_dir.string()},
          {"context_window", context_window},
          {"max_context_restarts", max_context_restarts},
          {"max_gate_failures", max_gate_failures},
          {"max_turns", max_turns},
          {"check_timeout_ms", check_timeout.count()},
          {"max_output_tokens", max_output_tokens},
          {"temperature", temperature},
          {"provider", provider_settings},
          {"prices", prices},
          {"priced_model", priced_model},
          {"max_cost_usd", max_cost_usd},
          {"max_tokens", max_tokens},
          {"max_file_bytes", max_file_bytes},
          {"calibrate_tokens", calibrate_tokens},
          {"judge", judge},
          {"max_rounds", max_rounds},
          {"judge_model", judge_model},
          {"analysis", analysis},
          {"git_branch", git_branch},
          {"parallel", parallel}};
}

Status RunOptions::ApplyJson(const nlohmann::json& json, RunOptions& options) {
  if (!json.is_object()) return Status::Corruption("stored run options are not a JSON object");
  try {
    if (json.contains("task_source"))
      options.task_source = json.at("task_source").get<std::string>();
    if (json.contains("domain")) {
      L2MAC_ASSIGN_OR_RETURN(options.domain,
                             agents::ParseDomain(json.at("domain").get<std::string>()));
    }
    if (json.contains("prompts_dir")) {
      options.prompts_dir = json.at("prompts_dir").get<std::string>();
    }
    if (json.contains("context_window")) {
      options.context_window = json.at("context_window").get<int64_t>();
    }
    if (json.contains("max_context_restarts")) {
      options.max_context_restarts = json.at("max_context_restarts").get<int>();
    }
    if (json.contains("max_gate_failures")) {
      options.max_gate_failures = json.at("max_gate_failures").get<int>();
    }
    if (json.contains("provider")) options.provider_settings = json.at("provider");
    if (json.contains("max_output_tokens")) {
      options.max_output_tokens = json.at("max_output_tokens").get<int64_t>();
    }
    if (json.contains("temperature")) options.temperature = json.at("temperature").get<double>();
    if (json.contains("max_turns")) options.max_turns = json.at("max_turns").get<int>();
    if (json.contains("prices")) options.prices = json.at("prices");
    if (json.contains("priced_model")) {
      options.priced_model = json.at("priced_model").get<std::string>();
    }
    if (json.contains("max_cost_usd")) options.max_cost_usd = json.at("max_cost_usd").get<double>();
    if (json.contains("max_tokens")) options.max_tokens = json.at("max_tokens").get<int64_t>();
    if (json.contains("calibrate_tokens")) {
      options.calibrate_tokens = json.at("calibrate_tokens").get<bool>();
    }
    if (json.contains("judge")) options.judge = json.at("judge").get<bool>();
    if (json.contains("analysis")) options.analysis = json.at("analysis").get<bool>();
    if (json.contains("max_rounds")) options.max_rounds = json.at("max_rounds").get<int>();
    if (json.contains("judge_model")) {
      options.judge_model = json.at("judge_model").get<std::string>();
    }
    if (json.contains("parallel")) options.parallel = json.at("parallel").get<int>();
    if (json.contains("git_branch")) options.git_branch = json.at("git_branch").get<std::string>();
    if (json.contains("max_file_bytes")) {
      options.max_file_bytes = json.at("max_file_bytes").get<int64_t>();
    }
    if (json.contains("check_timeout_ms")) {
      options.check_timeout = std::chrono::milliseconds(json.at("check_timeout_ms").get<int64_t>());
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(std::string("run options have a field of the wrong type: ") +
                                   e.what());
  }
  return Status::Ok();
}

Status ValidateLimits(const RunOptions& options) {
  if (options.context_window < 1000 || options.context_window > 100'000'000) {
    return Status::InvalidArgument("--context-window must be between 1000 and 100000000 tokens");
  }
  if (options.max_context_restarts < 0 || options.max_context_restarts > 1000) {
    return Status::InvalidArgument("--max-context-restarts must be between 0 and 1000");
  }
  if (options.max_gate_failures < 1 || options.max_gate_failures > 1000) {
    return Status::InvalidArgument("--max-attempts must be between 1 and 1000");
  }
  if (options.max_turns < 1 || options.max_turns > 100000) {
    return Status::InvalidArgument("--max-turns must be between 1 and 100000");
  }
  if (options.parallel < 1 || options.parallel > RunOptions::kMaxParallel) {
    return Status::InvalidArgument(fmt::format("--parallel (run.parallel) must be between 1 and {}",
                                               RunOptions::kMaxParallel));
  }
  if (options.max_rounds < 0 || options.max_rounds > 20) {
    return Status::InvalidArgument("--max-rounds (judge.max_rounds) must be between 0 and 20");
  }
  if (options.check_timeout.count() < 100 || options.check_timeout.count() > 86'400'000) {
    return Status::InvalidArgument("--check-timeout must be between 0.1 and 86400 seconds");
  }
  if (options.max_output_tokens < 0 || options.max_output_tokens > options.context_window / 2) {
    return Status::InvalidArgument(fmt::format(
        "--max-output-tokens {} leaves too little of --context-window {} for the prompt: it "
        "may be at most half the window ({}); lower it or raise --context-window",
        options.max_output_tokens, options.context_window, options.context_window / 2));
  }
  if (!(options.temperature >= 0.0 && options.temperature <= 2.0)) {
    return Status::InvalidArgument(fmt::format(
        "--temperature {} is out of range: it must be between 0 and 2", options.temperature));
  }
  if (options.max_cost_usd < 0) {
    return Status::InvalidArgument("--max-cost must be 0 (no budget) or more dollars");
  }
  if (options.max_tokens < 0) {
    return Status::InvalidArgument("--max-tokens must be 0 (no budget) or more tokens");
  }
  if (options.max_file_bytes < kMinFileBytesLimit || options.max_file_bytes > kMaxFileBytesLimit) {
    return Status::InvalidArgument("--max-file-bytes (files.max_file_bytes) must be between " +
                                   std::to_string(kMinFileBytesLimit) + " and " +
                                   std::to_string(kMaxFileBytesLimit) +
                                   " bytes (the file store's own limit)");
  }
  llm::PriceTable prices = llm::PriceTable::BuiltIn();
  L2MAC_RETURN_IF_ERROR(prices.Override(options.prices));
  return Status::Ok();
}

}  // namespace l2mac::control_unit
