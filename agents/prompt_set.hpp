// The prompt templates a run uses, per domain.
//
// Built-in templates are Markdown files under agents/prompts/ compiled into the binary.
// For the custom domain the user supplies a folder with planner.md and worker.md (system
// prompts) and may also override any of the common templates there (planner_user.md,
// worker_user.md, requirements.md, summary_request.md, restart.md, nudge.md, judge.md,
// judge_user.md, analysis.md, analysis_user.md). Templates use
// {{name}} placeholders; Render() fills them.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "agents/domain.hpp"
#include "core/status.hpp"

namespace l2mac::agents {

struct PromptSet {
  std::string planner_system;
  std::string planner_user;  // {{task}}, {{manifest}}
  std::string worker_system;
  std::string worker_user;  // {{task}}, {{instruction}}, {{instruction_id}},
                            // {{instruction_count}}, {{manifest}}, {{summaries}}
  // {{requirements}}: appended to the worker's first message when its instruction covers
  // requirements (see WorkerInput::requirements).
  std::string requirements;
  std::string summary_request;
  std::string restart;  // {{summary}}
  std::string nudge;
  // The judge (agents/judge.hpp): its system prompt, and its first message with
  // {{task}}, {{requirements}} (one "- ID: text" line each) and {{manifest}}.
  std::string judge_system;
  std::string judge_user;
  // The failure analysis (agents/failure_analysis.hpp): its system prompt, and its one user
  // message with {{instruction}}, {{failures}} (the failed checks' output) and {{files}}.
  std::string analysis_system;
  std::string analysis_user;
};

// `custom_dir` is required for kCustom and ignored otherwise. Errors name the missing
// file and what it should contain.
Result<PromptSet> LoadPromptSet(Domain domain, const std::filesystem::path& custom_dir = {});

// Replaces each {{key}} with its value. Unknown placeholders are left as they are.
std::string Render(const std::string& tmpl, const std::map<std::string, std::string>& values);

}  // namespace l2mac::agents
