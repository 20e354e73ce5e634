#include "cli/trace_command.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/exit_codes.hpp"
#include "control_unit/trace_data.hpp"
#include "control_unit/workspace.hpp"
#include "core/json_text.hpp"
#include "core/text.hpp"

namespace l2mac::cli {
namespace {

// What the table shows of each list; the JSON form keeps TraceLimits' larger bounds.
constexpr size_t kShownPerList = 8;
constexpr size_t kShownTextBytes = 100;

int Fail(const Status& status) {
  std::cerr << "l2mac: error: " << status.message() << "\n";
  return ExitCodeFor(status, /*model_failed=*/false);
}

// Model-written text for a terminal: one line, control characters replaced, cut (ending
// in "..." when it is).
std::string OneLine(const std::string& text, size_t max_bytes) {
  std::string line = TruncateUtf8(text, max_bytes);
  for (char& c : line) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) c = ' ';
  }
  return line;
}

// The tests of one requirement for the table: the cases of a parametrized test
// ("t.py::test_x[a]", "t.py::test_x[b]") as one line with their count, in order.
struct TestLine {
  std::string id;
  size_t cases = 0;
  size_t passed = 0;
  std::string other_outcome;  // the first outcome that is not "passed", if any
};
std::vector<TestLine> GroupCases(const std::vector<control_unit::TraceTest>& tests) {
  std::vector<TestLine> lines;
  for (const auto& test : tests) {
    std::string id = test.id;
    if (!id.empty() && id.back() == ']') id = id.substr(0, id.find('['));
    if (lines.empty() || lines.back().id != id) lines.push_back({id, 0, 0, ""});
    TestLine& line = lines.back();
    ++line.cases;
    if (test.outcome == "passed") {
      ++line.passed;
    } else if (line.other_outcome.empty()) {
      line.other_outcome = test.outcome;
    }
  }
  return lines;
}

// "a, b, c (+4 more)" of the first kShownPerList of `items` out of `total`.
std::string ListOf(const std::vector<std::string>& items, size_t total) {
  std::string out;
  size_t shown = 0;
  for (; shown < items.size() && shown < kShownPerList; ++shown) {
    out += (shown ? ", " : "") + OneLine(items[shown], 200);
  }
  if (total > shown) out += " (+" + std::to_string(total - shown) + " more)";
  return out;
}

void PrintTable(const control_unit::TraceData& trace, const std::string& dir) {
  if (!trace.has_program) {
    std::cout << "The run in " << dir << " has not planned yet: nothing to trace.\n";
    return;
  }
  if (trace.requirements_total == 0) {
    std::cout << "The program of the run in " << dir
              << " lists no requirements (it was planned or supplied without them): nothing "
                 "to trace.\n";
    return;
  }
  size_t traced = 0;
  for (const auto& requirement : trace.requirements) {
    if (requirement.tests_passed > 0 && requirement.tests_failed == 0) ++traced;
  }
  std::cout << trace.requirements_total << " requirements, " << traced
            << " with passing tests that name them";
  if (trace.tests_commit > 0) std::cout << " (tests as of commit " << trace.tests_commit << ")";
  std::cout << "\n";
  for (const auto& requirement : trace.requirements) {
    std::cout << "\n"
              << OneLine(requirement.id, 16) << "  " << OneLine(requirement.text, kShownTextBytes)
              << "\n";
    std::vector<std::string> instructions;
    for (const auto& instruction : requirement.instructions) {
      instructions.push_back(instruction.id + " (" + instruction.status + ")");
    }
    std::cout << "    instructions  " << ListOf(instructions, requirement.instructions_total)
              << "\n";
    std::cout << "    files         "
              << (requirement.files_total == 0 ? std::string("(none committed yet)")
                                               : ListOf(requirement.files, requirement.files_total))
              << "\n";
    if (requirement.tests_total == 0) {
      std::cout << "    tests         (no test names " << requirement.id << ")\n";
      continue;
    }
    std::cout << "    tests         " << requirement.tests_passed << " passed, "
              << requirement.tests_failed << " failed, of " << requirement.tests_total << "\n";
    const auto lines = GroupCases(requirement.tests);
    for (size_t i = 0; i < lines.size() && i < kShownPerList; ++i) {
      const TestLine& line = lines[i];
      std::cout << "                  " << OneLine(line.id, 200) << "  "
                << (line.other_outcome.empty() ? "passed" : line.other_outcome);
      if (line.cases > 1)
        std::cout << " (" << line.passed << " of " << line.cases << " cases passed)";
      std::cout << "\n";
    }
    size_t listed = 0;
    for (size_t i = 0; i < lines.size() && i < kShownPerList; ++i) listed += lines[i].cases;
    if (requirement.tests_total > listed) {
      std::cout << "                  (+" << requirement.tests_total - listed << " more)\n";
    }
  }
  if (trace.requirements.size() < trace.requirements_total) {
    std::cout << "\n(" << trace.requirements_total - trace.requirements.size()
              << " more requirements not shown)\n";
  }
}

}  // namespace

CLI::App* AddTraceCommand(CLI::App& app, TraceFlags& flags) {
  auto* command = app.add_subcommand(
      "trace",
      "Show each requirement of the run's program, the instructions that cover it, the files "
      "they changed, and the tests that name it with their outcomes.");
  command->footer(
      "Requirements come from the plan (the spec's own ids, like F1, else R1, R2, ...). A test\n"
      "covers a requirement when its name holds the id as a word of its own, as in\n"
      "test_F3_resolves_known_code; tests are shown as the last instruction commit's checks\n"
      "reported them. Lists are cut (the totals say how many there are), so the output stays\n"
      "small on a large run. A run whose program lists no requirements says so. The folder\n"
      "is read without taking its lock, so this works while the run is in progress. Exit\n"
      "status: 0 printed; 6 DIR holds no run; 7 the state database is damaged.");
  command->add_option("DIR", flags.dir, "the run's output folder")->required();
  command->add_flag("--json", flags.json,
                    "print one JSON object (fields: docs/CLI.md) instead of the table");
  return command;
}

int TraceCommand(const TraceFlags& flags) {
  auto workspace = control_unit::Workspace::Open(flags.dir, control_unit::OpenMode::kReadOnlyView);
  if (!workspace.ok()) return Fail(workspace.status());
  auto trace = control_unit::GatherTrace(**workspace);
  if (!trace.ok()) return Fail(trace.status());
  if (flags.json) {
    std::cout << DumpJson(control_unit::TraceToJson(*trace)) << "\n";
  } else {
    PrintTable(*trace, flags.dir);
  }
  return kExitOk;
}

}  // namespace l2mac::cli
