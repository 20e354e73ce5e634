// Embedding l2mac: run a task from C++ with the library API instead of the CLI.
//
//   embed_run SPEC.md OUT_DIR TRANSCRIPT.jsonl [CONTEXT_WINDOW]
//
// replays a recorded transcript (swap in llm::MakeOpenAiProvider for a live model), prints
// the run's events through its own EventSink as they happen, then the run report. Exit
// status 0 when every instruction committed.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "control_unit/events.hpp"
#include "control_unit/runner.hpp"
#include "core/llm/replay_provider.hpp"

namespace {

// Called on the run's thread, one event at a time (see control_unit/events.hpp).
class PrintingSink : public l2mac::control_unit::EventSink {
 public:
  void OnEvent(const l2mac::control_unit::RunEvent& event) override {
    using namespace l2mac::control_unit;
    if (std::holds_alternative<TextDelta>(event.payload)) return;
    std::cout << "event " << event.seq << ": " << event.type();
    if (!event.instruction.empty()) std::cout << " [" << event.instruction << "]";
    if (const auto* call = std::get_if<ModelCallFinished>(&event.payload)) {
      std::cout << " " << call->prompt_tokens << "+" << call->completion_tokens << " tokens";
    } else if (const auto* tool = std::get_if<l2mac::agents::ToolCalled>(&event.payload)) {
      std::cout << " " << tool->name << " " << tool->path;
    } else if (const auto* check = std::get_if<CheckFinished>(&event.payload)) {
      std::cout << " " << check->summary;
    }
    std::cout << "\n";
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: embed_run SPEC.md OUT_DIR TRANSCRIPT.jsonl [CONTEXT_WINDOW]\n";
    return 2;
  }
  std::ifstream spec(argv[1]);
  std::stringstream task;
  task << spec.rdbuf();

  auto provider = l2mac::llm::OpenReplayProvider(argv[3]);
  if (!provider.ok()) {
    std::cerr << provider.status().ToString() << "\n";
    return 3;
  }
  l2mac::control_unit::RunOptions options;
  options.task = task.str();
  options.task_source = argv[1];
  options.out_dir = argv[2];
  if (argc > 4) options.context_window = std::atoll(argv[4]);
  // The shipped demo transcript was recorded before the judge existed, so it holds no
  // judge replies; with a live model leave the judge on (the default).
  options.judge = false;
  PrintingSink sink;
  options.events = &sink;  // borrowed for the run

  auto report = l2mac::control_unit::StartRun(options, **provider);
  if (!report.ok()) {
    std::cerr << report.status().ToString() << "\n";
    return 4;
  }
  std::cout << report->committed << " of " << report->instructions << " instructions committed, "
            << report->files << " files, " << report->context_restarts << " context restarts\n";
  return report->outcome == l2mac::control_unit::RunOutcome::kCompleted ? 0 : 5;
}
