// What the run's events cost, against l2mac's own CPU on a long simulated run. One plain
// run printing its figures (not Google Benchmark):
//   1. a long run in process against the simulated model server, streamed (so text
//      deltas flow): N instructions of T turns, each turn a reply with some text and a
//      write_file, then step_complete. Its events go to a JSONL sink writing to memory,
//      as `l2mac run --json` does, and are captured. The run thread's CPU time
//      (CLOCK_THREAD_CPUTIME_ID: l2mac's own work, not the server's threads) is the
//      denominator.
//   2. the events' cost: the captured events emitted again through an EventEmitter on a
//      fresh on-disk database (numbering, the payload JSON, SQLite rows in batches,
//      flushed where the run loop flushes), first without a sink (what every run pays),
//      then with the JSONL sink (what --json adds), each timed as a whole so that no clock
//      is read per event. Copying the captured events counts as their cost too.
// Target: events, --json included, under 1% of l2mac's CPU. Exit status 1 when the run
// fails or the target is missed.
// Usage: build/bench/events_bench [INSTRUCTIONS [TURNS]]   (default 40 8)
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "control_unit/event_emitter.hpp"
#include "control_unit/event_log.hpp"
#include "control_unit/jsonl_event_sink.hpp"
#include "control_unit/runner.hpp"
#include "core/llm/openai_provider.hpp"
#include "core/sqlite.hpp"
#include "tests/scenarios/scripted_model.hpp"
#include "tests/sim/sim_model_server.hpp"

namespace {

using namespace l2mac;
using namespace l2mac::control_unit;
using scenario::ScriptedModel;

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Passes events to the JSONL sink and keeps a copy.
class CapturingSink : public EventSink {
 public:
  explicit CapturingSink(EventSink& inner) : inner_(inner) {}
  void OnEvent(const RunEvent& event) override {
    inner_.OnEvent(event);
    captured.push_back(event);
  }
  std::vector<RunEvent> captured;

 private:
  EventSink& inner_;
};

// A module-sized text file (not a language any check applies to, so the run's time is
// l2mac's own rather than pytest's).
std::string Notes(int instruction, int turn) {
  std::string text;
  for (int line = 0; line < 40; ++line) {
    text += "Instruction " + std::to_string(instruction) + ", turn " + std::to_string(turn) +
            ", line " + std::to_string(line) + ": some notes of a realistic length.\n";
  }
  return text;
}

ScriptedModel LongRun(int instructions, int turns) {
  ScriptedModel model;
  for (int i = 1; i <= instructions; ++i) {
    auto& script = model.instructions[std::to_string(i)];
    for (int t = 0; t < turns; ++t) {
      std::string path = "notes/" + std::to_string(i) + "/part_" + std::to_string(t) + ".txt";
      scenario::Turn write = scenario::WriteFile(path, Notes(i, t));
      script.turns.push_back([write](const scenario::ModelRequest& request) {
        sim::SimReply reply = write(request);
        reply.response.message.content =
            "I am writing the next part of the notes now, then I will check what is left to "
            "do for this instruction before calling step_complete.";
        return reply;
      });
    }
    script.turns.push_back(scenario::StepComplete("notes of instruction " + std::to_string(i)));
  }
  return model;
}

registry::Program ProgramOf(int instructions) {
  registry::Program program;
  for (int i = 1; i <= instructions; ++i) {
    registry::Instruction instruction;
    instruction.id = std::to_string(i);
    instruction.text = "Write the notes of part " + std::to_string(i) + ".";
    if (i > 1) instruction.depends_on = {std::to_string(i - 1)};
    program.instructions.push_back(instruction);
  }
  return program;
}

// Emits `events` again through an emitter on a fresh database (and `sink`, may be null),
// flushing where the run loop and the gateway flush; returns the thread CPU seconds.
double ReplayThroughEmitter(const std::vector<RunEvent>& events,
                            const std::filesystem::path& db_path, EventSink* sink) {
  auto db = Database::Open(db_path.string());
  auto log = db.ok() ? EventLog::Open(**db) : Status::Internal("no database");
  if (!log.ok()) {
    std::fprintf(stderr, "events_bench: %s\n", log.status().ToString().c_str());
    std::exit(1);
  }
  const double start = ThreadCpuSeconds();
  EventEmitter emitter(**log, sink, 1);
  for (const RunEvent& event : events) {
    emitter.set_instruction(event.instruction);
    emitter.Emit(event.payload);
    if (std::holds_alternative<ModelCallFinished>(event.payload) ||
        std::holds_alternative<InstructionCommitted>(event.payload) ||
        std::holds_alternative<InstructionFailed>(event.payload)) {
      // The run loop flushes these inside the transaction that records what they report.
      auto txn = Transaction::Begin(**db);
      Status flushed = txn.ok() ? emitter.Flush() : txn.status();
      if (flushed.ok()) flushed = (*txn)->Commit();
      if (!flushed.ok()) {
        std::fprintf(stderr, "events_bench: %s\n", flushed.ToString().c_str());
        std::exit(1);
      }
    }
  }
  (void)emitter.Flush();
  return ThreadCpuSeconds() - start;
}

}  // namespace

int main(int argc, char** argv) {
  const int instructions = argc > 1 ? std::atoi(argv[1]) : 40;
  const int turns = argc > 2 ? std::atoi(argv[2]) : 8;
  if (instructions < 1 || turns < 1) {
    std::fprintf(stderr, "usage: events_bench [INSTRUCTIONS [TURNS]]\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  ScriptedModel model = LongRun(instructions, turns);
  sim::SimModelServer server(model.Handler());
  if (Status started = server.Start(); !started.ok()) {
    std::fprintf(stderr, "events_bench: %s\n", started.ToString().c_str());
    return 1;
  }
  llm::OpenAiOptions provider_options;
  provider_options.base_url = server.base_url();
  provider_options.model = "sim-model";
  provider_options.stream = true;
  auto provider = llm::MakeOpenAiProvider(std::move(provider_options));

  std::error_code ec;
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("l2mac-events-bench-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);

  std::ostringstream jsonl;
  JsonlEventSink jsonl_sink(jsonl);
  CapturingSink sink(jsonl_sink);
  RunOptions options;
  options.out_dir = dir / "out";
  options.task = "Write the notes, part by part.";
  options.task_source = "--task";
  options.program = ProgramOf(instructions);
  options.events = &sink;

  const double run_start = ThreadCpuSeconds();
  auto report = StartRun(options, *provider);
  const double run_cpu = ThreadCpuSeconds() - run_start;
  if (!report.ok() || report->outcome != RunOutcome::kCompleted) {
    std::fprintf(stderr, "events_bench: the run did not complete: %s\n",
                 report.ok() ? "an instruction failed" : report.status().ToString().c_str());
    return 1;
  }
  const double copy_start = ThreadCpuSeconds();
  const std::vector<RunEvent> events = sink.captured;
  const double copy_cpu = ThreadCpuSeconds() - copy_start;
  const double stored_cpu = copy_cpu + ReplayThroughEmitter(events, dir / "stored.db", nullptr);
  std::ostringstream replayed;
  JsonlEventSink replay_sink(replayed);
  const double json_cpu = copy_cpu + ReplayThroughEmitter(events, dir / "json.db", &replay_sink);
  std::filesystem::remove_all(dir, ec);

  size_t deltas = 0;
  for (const RunEvent& event : events) deltas += event.persisted() ? 0 : 1;
  const double count = static_cast<double>(events.size());
  std::printf("long simulated run: %d instructions x %d turns, %lld model calls, streamed\n",
              instructions, turns, static_cast<long long>(report->model_calls));
  std::printf("events: %zu (%zu stored, %zu text deltas), %zu bytes of JSONL\n", events.size(),
              events.size() - deltas, deltas, jsonl.str().size());
  std::printf("l2mac's CPU for the run (run thread, events and --json included): %.1f ms\n",
              run_cpu * 1e3);
  std::printf("events, numbered and stored (every run): %7.2f ms, %5.2f us/event, %.3f%%\n",
              stored_cpu * 1e3, stored_cpu * 1e6 / count, 100.0 * stored_cpu / run_cpu);
  std::printf("events, stored and written as JSONL (--json): %7.2f ms, %5.2f us/event, %.3f%%\n",
              json_cpu * 1e3, json_cpu * 1e6 / count, 100.0 * json_cpu / run_cpu);
  const bool met = json_cpu / run_cpu < 0.01;
  std::printf("events / l2mac CPU: %.3f%% with --json (target < 1%%): %s\n",
              100.0 * json_cpu / run_cpu, met ? "met" : "MISSED");
  return met ? 0 : 1;
}
