#include "control_unit/trace_data.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace l2mac::control_unit {

Result<TraceData> GatherTrace(Workspace& workspace, const TraceLimits& limits) {
  TraceData trace;
  L2MAC_ASSIGN_OR_RETURN(trace.has_program, workspace.registry().HasProgram());
  if (!trace.has_program) return trace;
  L2MAC_ASSIGN_OR_RETURN(auto records, workspace.registry().All());
  L2MAC_ASSIGN_OR_RETURN(auto requirements, workspace.registry().Requirements());
  trace.instructions_total = records.size();
  trace.requirements_total = requirements.size();
  L2MAC_ASSIGN_OR_RETURN(auto tests, workspace.requirement_coverage().Latest(&trace.tests_commit));

  std::map<std::string, std::vector<const toolchains::RequirementTest*>> tests_by_requirement;
  for (const auto& test : tests) tests_by_requirement[test.requirement].push_back(&test);
  // Each committed instruction's changed files, read once however many requirements it covers.
  std::map<int64_t, std::vector<std::string>> files_by_commit;

  for (const auto& requirement : requirements) {
    if (trace.requirements.size() >= limits.max_requirements) break;
    TraceRequirement row;
    row.id = requirement.id;
    row.text = requirement.text;
    std::set<std::string> files;
    for (const auto& record : records) {
      const auto& covers = record.instruction.covers;
      if (std::find(covers.begin(), covers.end(), requirement.id) == covers.end()) continue;
      ++row.instructions_total;
      if (row.instructions.size() < limits.max_instructions) {
        row.instructions.push_back({record.instruction.id,
                                    registry::InstructionStatusName(record.status),
                                    record.commit_id});
      }
      if (record.status != registry::InstructionStatus::kCommitted || record.commit_id == 0) {
        continue;
      }
      auto cached = files_by_commit.find(record.commit_id);
      if (cached == files_by_commit.end()) {
        L2MAC_ASSIGN_OR_RETURN(auto log, workspace.store().LogFrom(record.commit_id, 1));
        std::vector<std::string> changed;
        if (!log.empty()) changed = log.front().changed_paths;
        cached = files_by_commit.emplace(record.commit_id, std::move(changed)).first;
      }
      files.insert(cached->second.begin(), cached->second.end());
    }
    row.files_total = files.size();
    for (const auto& path : files) {
      if (row.files.size() >= limits.max_files) break;
      row.files.push_back(path);
    }
    for (const auto* test : tests_by_requirement[requirement.id]) {
      ++row.tests_total;
      if (test->outcome == toolchains::TestOutcome::kPassed) ++row.tests_passed;
      if (test->outcome == toolchains::TestOutcome::kFailed) ++row.tests_failed;
      if (row.tests.size() < limits.max_tests) {
        row.tests.push_back(
            {test->test_id, test->file, test->profile, toolchains::TestOutcomeName(test->outcome)});
      }
    }
    trace.requirements.push_back(std::move(row));
  }
  return trace;
}

nlohmann::json TraceToJson(const TraceData& trace) {
  nlohmann::json requirements = nlohmann::json::array();
  for (const auto& requirement : trace.requirements) {
    nlohmann::json instructions = nlohmann::json::array();
    for (const auto& instruction : requirement.instructions) {
      instructions.push_back({{"id", instruction.id},
                              {"status", instruction.status},
                              {"commit", instruction.commit_id}});
    }
    nlohmann::json tests = nlohmann::json::array();
    for (const auto& test : requirement.tests) {
      tests.push_back({{"id", test.id},
                       {"file", test.file},
                       {"profile", test.profile},
                       {"outcome", test.outcome}});
    }
    requirements.push_back({{"id", requirement.id},
                            {"text", requirement.text},
                            {"instructions", instructions},
                            {"instructions_total", requirement.instructions_total},
                            {"files", requirement.files},
                            {"files_total", requirement.files_total},
                            {"tests", tests},
                            {"tests_total", requirement.tests_total},
                            {"tests_passed", requirement.tests_passed},
                            {"tests_failed", requirement.tests_failed}});
  }
  return {{"planned", trace.has_program},
          {"instructions_total", trace.instructions_total},
          {"requirements_total", trace.requirements_total},
          {"tests_commit", trace.tests_commit},
          {"requirements", requirements}};
}

}  // namespace l2mac::control_unit
