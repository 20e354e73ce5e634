// The public façade end to end: runs started, watched, cancelled from another thread and
// resumed through <l2mac/...> alone, against the simulated model server over loopback, with
// real checks (python, pytest) and the real SQLite store read back through Store.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "l2mac/l2mac.hpp"
#include "tests/scenarios/scenario_harness.hpp"
#include "tests/scenarios/scripted_model.hpp"
#include "tests/scenarios/temp_dir.hpp"
#include "tests/sim/sim_model_server.hpp"

namespace l2mac {
namespace {

using scenario::ThreeModules;

constexpr const char* kKeyVariable = "L2MAC_FACADE_TEST_KEY";
constexpr const char* kSecret = "sk-facade-secret-0123456789";

// The simulated server answering ThreeModules' script, and Options for a run against it in
// a private folder.
class FacadeRun {
 public:
  explicit FacadeRun(const std::string& name)
      : dir_(name), model_(std::make_unique<scenario::ScriptedModel>(ThreeModules::Model())) {
    spdlog::set_level(spdlog::level::err);
    server_ = std::make_unique<sim::SimModelServer>(model_->Handler());
    Status started = server_->Start();
    EXPECT_TRUE(started.ok()) << started.ToString();
    ::setenv(kKeyVariable, kSecret, 1);
    options_.out_dir = (dir_.path() / "out").string();
    options_.task = "Build a tiny Python library of arithmetic and geometry helpers.";
    options_.model.base_url = server_->base_url();
    options_.model.model = "sim-model";
    options_.model.api_key_env = kKeyVariable;
    options_.model.max_retries = 0;
    options_.check_timeout_seconds = 30;
  }

  Options& options() { return options_; }
  const std::string& out() const { return options_.out_dir; }
  std::vector<nlohmann::json> requests() const { return server_->requests(); }

 private:
  scenario::TempDir dir_;
  std::unique_ptr<scenario::ScriptedModel> model_;
  std::unique_ptr<sim::SimModelServer> server_;  // after the model it calls: stops first
  Options options_;
};

// Events as a callback saw them, from whichever thread called it.
struct SeenEvents {
  std::mutex mu;
  std::vector<Event> events;
  std::set<std::thread::id> threads;

  EventCallback Recorder() {
    return [this](const Event& event) {
      std::lock_guard<std::mutex> lock(mu);
      events.push_back(event);
      threads.insert(std::this_thread::get_id());
    };
  }
  std::vector<std::string> Of(const std::string& type) {
    std::lock_guard<std::mutex> lock(mu);
    std::vector<std::string> instructions;
    for (const Event& event : events) {
      if (event.type == type) instructions.push_back(event.instruction);
    }
    return instructions;
  }
};

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(RunFacadeTest, StreamsEventsFromTheRunsThreadAndTheStoreReadsWhatCommitted) {
  FacadeRun setup("facade-run");
  SeenEvents seen;
  auto run = Run::Start(setup.options(), seen.Recorder());
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_NE((*run)->model().find("sim-model"), std::string::npos) << (*run)->model();
  Result<RunResult> result = (*run)->Wait();
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE((*run)->Finished());
  EXPECT_EQ(result->outcome, RunOutcome::kCompleted);
  EXPECT_STREQ(RunOutcomeName(result->outcome), "completed");
  EXPECT_EQ(result->instructions, 3);
  EXPECT_EQ(result->committed, 3);
  EXPECT_EQ(result->model_calls, 10);  // the plan, then three calls per instruction

  EXPECT_EQ(seen.Of("instruction_committed"), (std::vector<std::string>{"1", "2", "3"}));
  {
    std::lock_guard<std::mutex> lock(seen.mu);
    ASSERT_FALSE(seen.events.empty());
    EXPECT_EQ(seen.events.front().type, "run_started");
    EXPECT_EQ(seen.events.back().type, "run_finished");
    // One thread, the run's own, never the caller's.
    EXPECT_EQ(seen.threads.size(), 1u);
    EXPECT_EQ(seen.threads.count(std::this_thread::get_id()), 0u);
    int64_t last_seq = 0;
    for (const Event& event : seen.events) {
      EXPECT_GT(event.seq, last_seq);
      last_seq = event.seq;
      EXPECT_NE(event.type, "text_delta");  // not asked for
      auto json = nlohmann::json::parse(event.json, nullptr, false);
      ASSERT_TRUE(json.is_object()) << event.json;
      EXPECT_EQ(json["type"], event.type);
      EXPECT_EQ(json["seq"], event.seq);
      EXPECT_EQ(json["instruction"], event.instruction);
      // The key reached the server but no event.
      EXPECT_EQ(event.json.find(kSecret), std::string::npos) << event.json;
    }
  }
  EXPECT_EQ(ReadAll(std::filesystem::path(setup.out()) / ".l2mac" / "state.db").find(kSecret),
            std::string::npos);

  auto store = Store::Open(setup.out());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_GT((*store)->head(), 0);
  auto files = (*store)->List();
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  std::vector<std::string> paths;
  for (const StoreFile& file : *files) paths.push_back(file.path);
  EXPECT_EQ(paths,
            (std::vector<std::string>{"arith.py", "geometry.py", "report.py", "test_arith.py",
                                      "test_geometry.py", "test_report.py"}));
  auto geometry = (*store)->Read("geometry.py");
  ASSERT_TRUE(geometry.ok()) << geometry.status().ToString();
  EXPECT_EQ(*geometry, ThreeModules::Files()["geometry.py"]);
  auto missing = (*store)->Read("missing.py");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  // A path leaving the store is refused with the reason, not looked up.
  auto escape = (*store)->Read("../out/arith.py");
  EXPECT_EQ(escape.status().code(), StatusCode::kPermissionDenied) << escape.status().ToString();
  EXPECT_NE(escape.status().message().find("leaves the store root"), std::string::npos);
}

TEST(RunFacadeTest, CancelFromAnotherThreadStopsCleanlyAndResumeFinishesTheRun) {
  FacadeRun setup("facade-cancel");
  // The callback holds the run at the first commit until the main thread has cancelled, so
  // the cancel lands at a known point: between instruction 1 and instruction 2.
  std::mutex mu;
  std::condition_variable changed;
  bool committed = false;
  bool cancelled = false;
  int64_t first_run_last_seq = 0;
  EventCallback on_event = [&](const Event& event) {
    std::unique_lock<std::mutex> lock(mu);
    first_run_last_seq = event.seq;
    if (event.type != "instruction_committed" || committed) return;
    committed = true;
    changed.notify_all();
    changed.wait_for(lock, std::chrono::seconds(30), [&] { return cancelled; });
  };
  auto run = Run::Start(setup.options(), on_event);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(changed.wait_for(lock, std::chrono::seconds(120), [&] { return committed; }));
  }
  (*run)->Cancel();  // from this thread, not the run's
  {
    std::lock_guard<std::mutex> lock(mu);
    cancelled = true;
  }
  changed.notify_all();
  Result<RunResult> stopped = (*run)->Wait();
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.status().code(), StatusCode::kCancelled) << stopped.status().ToString();
  EXPECT_EQ((*run)->Wait().status().code(), StatusCode::kCancelled);  // the same, again
  run->reset();  // joins the run's thread and releases the folder

  // Instruction 1 is committed and kept; instruction 2 never committed.
  {
    auto store = Store::Open(setup.out());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_TRUE((*store)->Read("arith.py").ok());
    EXPECT_EQ((*store)->Read("geometry.py").status().code(), StatusCode::kNotFound);
  }

  SeenEvents resumed;
  auto again = Run::Resume(setup.out(), ResumeOptions{}, resumed.Recorder());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  Result<RunResult> finished = (*again)->Wait();
  ASSERT_TRUE(finished.ok()) << finished.status().ToString();
  EXPECT_EQ(finished->outcome, RunOutcome::kCompleted);
  EXPECT_EQ(finished->committed, 3);
  // Instruction 1 was not redone: its three model calls were made once.
  EXPECT_EQ(scenario::RequestsFor(setup.requests(), "1").size(), 3u);
  EXPECT_EQ(resumed.Of("instruction_committed"), (std::vector<std::string>{"2", "3"}));
  EXPECT_EQ(resumed.Of("run_resumed").size(), 1u);
  {
    std::lock_guard<std::mutex> lock(resumed.mu);
    ASSERT_FALSE(resumed.events.empty());
    EXPECT_GT(resumed.events.front().seq, first_run_last_seq);  // the history continues
  }
  auto store = Store::Open(setup.out());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto report = (*store)->Read("report.py");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(*report, ThreeModules::Files()["report.py"]);
}

TEST(RunFacadeTest, DestroyingARunningRunCancelsItAndWaitsForItsThread) {
  FacadeRun setup("facade-destroy");
  std::mutex mu;
  std::condition_variable changed;
  bool started = false;
  int events_after_destruction = 0;
  bool destroyed = false;
  EventCallback on_event = [&](const Event& event) {
    std::lock_guard<std::mutex> lock(mu);
    if (destroyed) ++events_after_destruction;
    if (event.type == "instruction_started") started = true;
    changed.notify_all();
  };
  auto run = Run::Start(setup.options(), on_event);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(changed.wait_for(lock, std::chrono::seconds(120), [&] { return started; }));
  }
  run->reset();
  {
    std::lock_guard<std::mutex> lock(mu);
    destroyed = true;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(events_after_destruction, 0);
  // The folder is free again and the run resumable.
  auto again = Run::Resume(setup.out());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  Result<RunResult> finished = (*again)->Wait();
  ASSERT_TRUE(finished.ok()) << finished.status().ToString();
  EXPECT_EQ(finished->committed, 3);
}

TEST(RunFacadeTest, ACallbackThatThrowsStopsTheRunWithItsMessage) {
  FacadeRun setup("facade-throw");
  auto run = Run::Start(setup.options(), [](const Event& event) {
    if (event.type == "instruction_started") throw std::runtime_error("the embedder's bug");
  });
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  Result<RunResult> result = (*run)->Wait();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kInternal);
  EXPECT_NE(result.status().message().find("the embedder's bug"), std::string::npos)
      << result.status().ToString();
  run->reset();
  auto again = Run::Resume(setup.out());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  Result<RunResult> finished = (*again)->Wait();
  ASSERT_TRUE(finished.ok()) << finished.status().ToString();
  EXPECT_EQ(finished->committed, 3);
}

TEST(RunFacadeTest, BadOptionsAreRefusedBeforeAnythingIsWritten) {
  FacadeRun setup("facade-refuse");
  Options options = setup.options();
  options.model.base_url.clear();
  options.model.preset = "olama";
  auto refused = Run::Start(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("did you mean ollama?"), std::string::npos)
      << refused.status().ToString();

  options = setup.options();
  options.context_window = 10;
  EXPECT_EQ(Run::Start(options).status().code(), StatusCode::kInvalidArgument);
  options = setup.options();
  options.model.extra_body_json = "[1]";
  EXPECT_EQ(Run::Start(options).status().code(), StatusCode::kInvalidArgument);
  options = setup.options();
  options.parallel = 17;
  EXPECT_EQ(Run::Start(options).status().code(), StatusCode::kInvalidArgument);
  options = setup.options();
  options.model.tokenizer =
      (std::filesystem::path(setup.out()).parent_path() / "none.tiktoken").string();
  auto no_tokenizer = Run::Start(options);
  EXPECT_EQ(no_tokenizer.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(no_tokenizer.status().message().find("none.tiktoken"), std::string::npos)
      << no_tokenizer.status().ToString();
  options = setup.options();
  options.model.api_key_env = "L2MAC_FACADE_TEST_UNSET_KEY";
  auto unset = Run::Start(options);
  EXPECT_EQ(unset.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unset.status().message().find("L2MAC_FACADE_TEST_UNSET_KEY"), std::string::npos)
      << unset.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(setup.out()));

  EXPECT_FALSE(Run::Resume(setup.out()).ok());  // nothing to resume
  EXPECT_FALSE(Store::Open(setup.out()).ok());
  EXPECT_FALSE(ModelPresets().empty());
}

TEST(RunFacadeTest, ParallelLanesReachTheCallbackWithTheirLaneOneAtATime) {
  FacadeRun setup("facade-parallel");
  Options options = setup.options();
  options.parallel = 2;
  std::atomic<int> inside{0};
  std::atomic<int> overlapped{0};
  SeenEvents seen;
  auto record = seen.Recorder();
  auto run = Run::Start(options, [&](const Event& event) {
    if (inside.fetch_add(1) != 0) ++overlapped;  // two calls at once
    record(event);
    inside.fetch_sub(1);
  });
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  Result<RunResult> done = (*run)->Wait();
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(overlapped.load(), 0);
  std::lock_guard<std::mutex> lock(seen.mu);
  int instruction_events = 0;
  for (const Event& event : seen.events) {
    if (event.instruction.empty()) {
      EXPECT_EQ(event.lane, 0) << event.json;
      continue;
    }
    ++instruction_events;
    EXPECT_GE(event.lane, 1) << event.json;
    EXPECT_LE(event.lane, 2) << event.json;
    EXPECT_NE(event.json.find("\"lane\":" + std::to_string(event.lane)), std::string::npos)
        << event.json;
  }
  EXPECT_GT(instruction_events, 0);
  // The lanes' threads called it too, besides the run's own.
  EXPECT_GE(seen.threads.size(), 2u);
}

}  // namespace
}  // namespace l2mac
