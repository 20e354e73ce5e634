// Events on real SQLite: the emitter numbers events, hands every one to the sink, stores
// all but text deltas, in batches (nothing is written per event until a wait begins or
// the caller flushes), inside the caller's transaction; a later emitter continues the
// sequence; the stored JSON is what the sink saw. And the check payload names failing
// tests with the first line of their failure.
#include <gtest/gtest.h>

#include <sstream>

#include <vector>

#include "control_unit/event_emitter.hpp"
#include "control_unit/event_log.hpp"
#include "control_unit/event_payloads.hpp"
#include "control_unit/jsonl_event_sink.hpp"
#include "core/sqlite.hpp"

namespace l2mac::control_unit {
namespace {

class RecordingSink : public EventSink {
 public:
  void OnEvent(const RunEvent& event) override { events.push_back(event); }
  std::vector<RunEvent> events;
};

class EventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(":memory:");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    auto log = EventLog::Open(*db_);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
  }

  int64_t StoredCount() {
    auto query = db_->Prepare("SELECT COUNT(*) FROM events");
    EXPECT_TRUE(query.ok());
    EXPECT_TRUE(*query->Step());
    return query->ColumnInt(0);
  }

  std::unique_ptr<Database> db_;
  std::unique_ptr<EventLog> log_;
  RecordingSink sink_;
};

TEST_F(EventsTest, StoresInBatchesWhenAWaitBeginsAndNeverTheTextDeltas) {
  auto next = log_->NextSeq();
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, 1);
  EventEmitter emitter(*log_, &sink_, *next);
  emitter.set_instruction("1");
  emitter.Emit(InstructionStarted{"Write app.py.", 1, 2});
  emitter.Emit(agents::ToolCalled{"write_file", "app.py", true, 3, 0, ""});
  emitter.Emit(TextDelta{"Hel"});
  emitter.Emit(TextDelta{"lo"});
  EXPECT_EQ(StoredCount(), 0) << "an event was written on its own";
  emitter.Emit(ModelCallStarted{"work", 1200, 42.0});
  EXPECT_EQ(StoredCount(), 3) << "the batch was not written when the model call began";

  ASSERT_EQ(sink_.events.size(), 5u);
  for (size_t i = 0; i < sink_.events.size(); ++i) {
    EXPECT_EQ(sink_.events[i].seq, static_cast<int64_t>(i) + 1);
    EXPECT_EQ(sink_.events[i].instruction, "1");
  }
  EXPECT_STREQ(sink_.events[2].type(), "text_delta");

  // What is stored is what the sink saw, text deltas left out (their numbers are gaps).
  auto stored = ReadEventsAfter(*db_, 0, 100);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  ASSERT_EQ(stored->size(), 3u);
  EXPECT_EQ((*stored)[0], EventToJson(sink_.events[0]));
  EXPECT_EQ((*stored)[1], EventToJson(sink_.events[1]));
  EXPECT_EQ((*stored)[2], EventToJson(sink_.events[4]));
  EXPECT_EQ((*stored)[2]["seq"], 5);
  EXPECT_EQ((*stored)[1]["lines_added"], 3);
  EXPECT_EQ(emitter.emitted(), 5);
  EXPECT_EQ(emitter.persisted(), 3);
}

TEST_F(EventsTest, AFlushJoinsTheCallersTransactionAndALaterEmitterContinuesTheSequence) {
  {
    EventEmitter emitter(*log_, nullptr, 1);
    emitter.Emit(RunStarted{"spec.md", "codebase", "sim"});
    auto txn = Transaction::Begin(*db_);
    ASSERT_TRUE(txn.ok());
    emitter.Emit(InstructionFailed{"the checks still failed", ""});
    ASSERT_TRUE(emitter.Flush().ok());
    // Rolled back with the transaction it joined: the state it reported did not land.
    ASSERT_TRUE((*txn)->Rollback().ok());
    EXPECT_EQ(StoredCount(), 0);
    RunFinished finished;
    finished.outcome = "error";
    emitter.Emit(finished);
    EXPECT_EQ(StoredCount(), 1) << "run_finished is written at once";
  }
  auto next = log_->NextSeq();
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, 4);
  EventEmitter resumed(*log_, &sink_, *next);
  resumed.Emit(RunResumed{1, 0, "sim"});
  ASSERT_TRUE(resumed.Flush().ok());
  auto stored = ReadEventsAfter(*db_, 3, 100);
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0]["type"], "run_resumed");
  EXPECT_EQ((*stored)[0]["seq"], 4);
  EXPECT_EQ((*stored)[0]["v"], kEventSchemaVersion);
}

TEST_F(EventsTest, ReadingADatabaseWithoutEventsSaysSo) {
  auto bare = Database::Open(":memory:");
  ASSERT_TRUE(bare.ok());
  auto read = ReadEventsAfter(**bare, 0, 10);
  EXPECT_EQ(read.status().code(), StatusCode::kNotFound);
}

TEST(JsonlEventSinkTest, ATextDeltaLineIsExactlyTheEventsJson) {
  // Quotes, escapes, control characters, multi-byte and invalid UTF-8 in both strings.
  for (const std::string& text : {std::string("plain"), std::string("a \"quoted\" \\ line\n\t"),
                                  std::string("caf\xC3\xA9 \x01 \xFF end"), std::string()}) {
    RunEvent event{1234, 1'700'000'000'123, "3\"x\xFE", TextDelta{text}};
    EXPECT_EQ(TextDeltaLine(event, std::get<TextDelta>(event.payload)),
              EventToJson(event).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  std::ostringstream out;
  JsonlEventSink sink(out);
  sink.OnEvent(RunEvent{7, 8, "", TextDelta{"hi"}});
  EXPECT_EQ(out.str(),
            R"({"v":1,"seq":7,"time_ms":8,"type":"text_delta","instruction":"","text":"hi"})"
            "\n");
  std::ostringstream quiet;
  JsonlEventSink no_deltas(quiet, /*text_deltas=*/false);
  no_deltas.OnEvent(RunEvent{7, 8, "", TextDelta{"hi"}});
  EXPECT_EQ(quiet.str(), "");
}

TEST(CheckFinishedFromTest, NamesFailingTestsWithTheFirstLineOfTheirFailure) {
  toolchains::GateReport report;
  report.passed = false;
  report.checks.push_back({"python syntax", true, false, "", ""});
  report.checks.push_back({"node --check", false, true, "timed out", "timed out after 5s"});
  report.checks.push_back(
      {"pytest", false, false,
       "1 test failed (exit status 1):\nFailing tests: 2 problems:\n"
       "- tests/test_app.py:4: tests.test_app::test_add: assert 3 == 4\n"
       "- tests/test_app.py:9: tests.test_app::test_sub: ZeroDivisionError: division by zero\n",
       "2 failed, 1 passed"});
  toolchains::ProfileTests run;
  run.profile = "python";
  auto test = [](const std::string& name, toolchains::TestOutcome outcome) {
    toolchains::TestResult result;
    result.id = "tests/test_app.py::" + name;
    result.name = name;
    result.file = "tests/test_app.py";
    result.outcome = outcome;
    return result;
  };
  run.tests = {test("test_add", toolchains::TestOutcome::kFailed),
               test("test_mul", toolchains::TestOutcome::kPassed),
               test("test_sub", toolchains::TestOutcome::kFailed),
               test("test_div", toolchains::TestOutcome::kFailed)};
  report.test_runs.push_back(run);

  CheckFinished event = CheckFinishedFrom(report, 1234);
  EXPECT_FALSE(event.passed);
  EXPECT_EQ(event.duration_ms, 1234);
  ASSERT_EQ(event.checks.size(), 3u);
  EXPECT_EQ(event.checks[0].verdict, "passed");
  EXPECT_TRUE(event.checks[0].failing_tests.empty());
  EXPECT_EQ(event.checks[1].verdict, "timed_out");
  EXPECT_EQ(event.checks[2].verdict, "failed");
  EXPECT_EQ(event.checks[2].summary, "2 failed, 1 passed");
  // Under the check whose findings name them, with the first line of the failure.
  const auto& named = event.checks[2].failing_tests;
  ASSERT_EQ(named.size(), 2u);
  EXPECT_EQ(named[0].id, "tests/test_app.py::test_add");
  EXPECT_EQ(named[0].file, "tests/test_app.py");
  EXPECT_EQ(named[0].message, "assert 3 == 4");
  EXPECT_EQ(named[1].message, "ZeroDivisionError: division by zero");
  // No finding names test_div: it goes under the first failed check, without a message.
  ASSERT_EQ(event.checks[1].failing_tests.size(), 1u);
  EXPECT_EQ(event.checks[1].failing_tests[0].id, "tests/test_app.py::test_div");
  EXPECT_EQ(event.checks[1].failing_tests[0].message, "");
}

}  // namespace
}  // namespace l2mac::control_unit
