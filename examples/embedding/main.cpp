// Embedding l2mac: run a task from C++ through the public API (<l2mac/...> only).
//
//   embed_run SPEC.md OUT_DIR TRANSCRIPT.jsonl [CONTEXT_WINDOW] [--cancel-after-first-commit]
//
// replays a recorded transcript (set ModelOptions::base_url, preset or model instead for a
// live model), prints the run's events as they happen, then the result and the committed
// files as the store holds them. With --cancel-after-first-commit the main thread cancels
// the run once its first instruction has committed, then resumes it to the end.
// Exit status 0 when every instruction committed.
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>

#include <l2mac/l2mac.hpp>

namespace {

// Printing from the run's thread while main() prints too: one lock for std::cout.
std::mutex out_mu;

// The callback runs on the run's thread, one event at a time (l2mac/events.hpp).
void PrintEvent(const l2mac::Event& event) {
  std::lock_guard<std::mutex> lock(out_mu);
  std::cout << "event " << event.seq << ": " << event.type;
  if (!event.instruction.empty()) std::cout << " [" << event.instruction << "]";
  std::cout << "\n";
}

// Lets main() cancel the run at a known point: the callback holds the run at its first
// commit until main() has called Cancel() from its own thread.
struct FirstCommit {
  std::mutex mu;
  std::condition_variable changed;
  bool committed = false;
  bool cancelled = false;
};

int Finish(const l2mac::Result<l2mac::RunResult>& result) {
  if (!result.ok()) {
    std::cerr << "run failed: " << result.status().ToString() << "\n";
    return 4;
  }
  std::cout << result->committed << " of " << result->instructions << " instructions committed, "
            << result->files << " files, " << result->context_restarts
            << " context restarts: " << l2mac::RunOutcomeName(result->outcome) << "\n";
  return result->outcome == l2mac::RunOutcome::kCompleted ? 0 : 5;
}

// Lists the committed files through the store, and reads each (its size as read).
int ShowStore(const std::string& out_dir) {
  auto store = l2mac::Store::Open(out_dir);
  if (!store.ok()) {
    std::cerr << store.status().ToString() << "\n";
    return 6;
  }
  auto files = (*store)->List();
  if (!files.ok()) {
    std::cerr << files.status().ToString() << "\n";
    return 6;
  }
  std::cout << "store at commit " << (*store)->head() << ": " << files->size() << " files\n";
  for (const l2mac::StoreFile& file : *files) {
    auto content = (*store)->Read(file.path);
    if (!content.ok()) {
      std::cerr << content.status().ToString() << "\n";
      return 6;
    }
    std::cout << "file " << file.path << ": " << content->size() << " bytes, " << file.lines
              << " lines\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: embed_run SPEC.md OUT_DIR TRANSCRIPT.jsonl [CONTEXT_WINDOW] "
                 "[--cancel-after-first-commit]\n";
    return 2;
  }
  bool cancel_after_first_commit = false;
  l2mac::Options options;
  for (int i = 4; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--cancel-after-first-commit") {
      cancel_after_first_commit = true;
    } else {
      options.context_window = std::atoll(argv[i]);
    }
  }
  std::ifstream spec(argv[1]);
  std::stringstream task;
  task << spec.rdbuf();
  options.task = task.str();
  options.task_source = argv[1];
  options.out_dir = argv[2];
  options.model.replay = argv[3];
  // The shipped demo transcript was recorded before the judge existed, so it holds no
  // judge replies; with a live model leave the judge on (the default).
  options.judge = false;

  if (!cancel_after_first_commit) {
    auto run = l2mac::Run::Start(options, PrintEvent);
    if (!run.ok()) {
      std::cerr << run.status().ToString() << "\n";
      return 3;
    }
    int status = Finish((*run)->Wait());
    return status != 0 ? status : ShowStore(options.out_dir);
  }

  FirstCommit first;
  auto run = l2mac::Run::Start(options, [&first](const l2mac::Event& event) {
    PrintEvent(event);
    if (event.type != "instruction_committed") return;
    std::unique_lock<std::mutex> lock(first.mu);
    if (first.committed) return;
    first.committed = true;
    first.changed.notify_all();
    first.changed.wait(lock, [&first] { return first.cancelled; });
  });
  if (!run.ok()) {
    std::cerr << run.status().ToString() << "\n";
    return 3;
  }
  {
    std::unique_lock<std::mutex> lock(first.mu);
    // Polled as well: a run that ends before any commit signals nothing.
    while (!first.committed && !(*run)->Finished()) {
      first.changed.wait_for(lock, std::chrono::milliseconds(100));
    }
  }
  (*run)->Cancel();  // from the main thread; the run stops at its next safe point
  {
    std::lock_guard<std::mutex> lock(first.mu);
    first.cancelled = true;
  }
  first.changed.notify_all();
  auto stopped = (*run)->Wait();
  {
    std::lock_guard<std::mutex> lock(out_mu);
    if (stopped.ok()) {
      std::cout << "the run ended before the cancel\n";
    } else if (stopped.status().code() == l2mac::StatusCode::kCancelled) {
      std::cout << "cancelled: " << stopped.status().message() << "\n";
    } else {
      std::cerr << "run failed: " << stopped.status().ToString() << "\n";
      return 4;
    }
  }
  run->reset();  // waits for the run's thread and releases the folder
  if (int shown = ShowStore(options.out_dir); shown != 0) return shown;

  std::cout << "resuming\n";
  auto resumed = l2mac::Run::Resume(options.out_dir, l2mac::ResumeOptions{}, PrintEvent);
  if (!resumed.ok()) {
    std::cerr << resumed.status().ToString() << "\n";
    return 3;
  }
  int status = Finish((*resumed)->Wait());
  return status != 0 ? status : ShowStore(options.out_dir);
}
