#include "control_unit/lane_order.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace l2mac::control_unit {
namespace {

using registry::InstructionStatus;

// A view of instructions given as id -> dependencies, in that order, with `committed`
// committed and the rest pending.
std::shared_ptr<const LaneView> ViewOf(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& program,
    const std::set<std::string>& committed, int64_t head = 0) {
  LaneView view;
  view.head = head;
  int64_t seq = 0;
  for (const auto& [id, deps] : program) {
    registry::InstructionRecord record;
    record.instruction.id = id;
    record.instruction.depends_on = deps;
    record.seq = ++seq;
    record.status =
        committed.count(id) ? InstructionStatus::kCommitted : InstructionStatus::kPending;
    view.records.push_back(record);
  }
  return std::make_shared<const LaneView>(std::move(view));
}

const std::vector<std::pair<std::string, std::vector<std::string>>> kTwoChains = {
    {"a1", {}}, {"a2", {"a1"}}, {"b1", {}}, {"b2", {"b1"}}};

// Issues Next()'s start and returns it; fails the test when there is none.
LaneOrder::Start IssueNext(LaneOrder& order) {
  LaneOrder::Decision decision = order.Next();
  EXPECT_TRUE(decision.start.has_value());
  if (!decision.start) return {};
  order.Issue(*decision.start);
  return *decision.start;
}

TEST(LaneOrderTest, TicketsStartFromViewsFixedByTheScheduleNotTheClock) {
  RunStateLock state;
  std::unique_lock<RunStateLock> hold(state);
  LaneOrder order(state, 2, ViewOf(kTwoChains, {}));

  LaneOrder::Start first = IssueNext(order);
  EXPECT_EQ(first.ticket, 1);
  EXPECT_EQ(first.lane, 1);
  EXPECT_EQ(first.record.instruction.id, "a1");
  LaneOrder::Start second = IssueNext(order);
  EXPECT_EQ(second.ticket, 2);
  EXPECT_EQ(second.lane, 2);
  EXPECT_EQ(second.record.instruction.id, "b1");  // a2 waits for a1
  EXPECT_EQ(second.view, first.view);

  // Both lanes are busy: the third ticket waits for the first to end, whatever else is
  // ready by then.
  LaneOrder::Decision busy = order.Next();
  EXPECT_FALSE(busy.start);
  EXPECT_TRUE(busy.wait);
  // Next() decides without issuing: asking again gives the same answer.
  EXPECT_TRUE(order.Next().wait);

  order.End(1, ViewOf(kTwoChains, {"a1"}, 1));
  LaneOrder::Start third = IssueNext(order);
  EXPECT_EQ(third.ticket, 3);
  EXPECT_EQ(third.lane, 1);  // ticket 1's lane
  EXPECT_EQ(third.record.instruction.id, "a2");
  EXPECT_EQ(third.view->head, 1);

  // Ticket 4 starts from view 2 at the earliest (ticket 2 must end to free lane 2), even
  // though b2 would be ready in a view where b1 committed first.
  EXPECT_TRUE(order.Next().wait);
  order.End(2, ViewOf(kTwoChains, {"a1", "b1"}, 2));
  LaneOrder::Start fourth = IssueNext(order);
  EXPECT_EQ(fourth.record.instruction.id, "b2");
  EXPECT_EQ(fourth.view->head, 2);

  order.End(3, ViewOf(kTwoChains, {"a1", "b1", "a2"}, 3));
  EXPECT_TRUE(order.Next().wait);  // ticket 4 still runs
  order.End(4, ViewOf(kTwoChains, {"a1", "b1", "a2", "b2"}, 4));
  LaneOrder::Decision finished = order.Next();
  EXPECT_FALSE(finished.start);
  EXPECT_FALSE(finished.wait) << "nothing ready and nothing running: the lanes are done";
  EXPECT_EQ(order.ended(), 4);
}

TEST(LaneOrderTest, ATicketWithNothingReadyWaitsForTheViewThatBringsIt) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> chain = {{"x", {}},
                                                                               {"y", {"x"}}};
  RunStateLock state;
  std::unique_lock<RunStateLock> hold(state);
  LaneOrder order(state, 3, ViewOf(chain, {}));
  EXPECT_EQ(IssueNext(order).record.instruction.id, "x");
  // Two lanes are free, but y needs x committed: it waits for view 1.
  LaneOrder::Decision decision = order.Next();
  EXPECT_FALSE(decision.start);
  EXPECT_TRUE(decision.wait);
  order.End(1, ViewOf(chain, {"x"}, 1));
  LaneOrder::Start next = IssueNext(order);
  EXPECT_EQ(next.record.instruction.id, "y");
  EXPECT_EQ(next.ticket, 2);
  EXPECT_EQ(next.lane, 2);
  EXPECT_EQ(next.view->head, 1);
}

TEST(LaneOrderTest, ReadyUnderSkipsStartedRunningAndBlockedInstructions) {
  auto view = ViewOf(kTwoChains, {"a1"});
  EXPECT_EQ(ReadyUnder(*view, {})->instruction.id, "a2");
  EXPECT_EQ(ReadyUnder(*view, {"a2"})->instruction.id, "b1");
  EXPECT_FALSE(ReadyUnder(*view, {"a2", "b1"}).has_value());  // b2 needs b1 committed
  LaneView running = *view;
  running.records[1].status = InstructionStatus::kRunning;
  EXPECT_EQ(ReadyUnder(running, {})->instruction.id, "b1");
}

TEST(LaneOrderTest, ALaneWaitsForItsTurnUntilEveryLowerTicketEnded) {
  RunStateLock state;
  LaneOrder order(state, 3, ViewOf(kTwoChains, {}));
  std::vector<int> turns;  // guarded by `state`
  std::vector<std::thread> lanes;
  // Tickets 3 and 2 ask for their turn before ticket 1 ends.
  for (int ticket : {3, 2}) {
    lanes.emplace_back([&, ticket] {
      std::unique_lock<RunStateLock> mine(state);
      order.WaitForTurn(ticket);
      turns.push_back(ticket);
      order.End(ticket, ViewOf(kTwoChains, {}, ticket));
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  {
    std::unique_lock<RunStateLock> mine(state);
    EXPECT_TRUE(turns.empty()) << "a ticket had its turn before ticket 1 ended";
    order.WaitForTurn(1);  // the lowest ticket never waits
    turns.push_back(1);
    order.End(1, ViewOf(kTwoChains, {}, 1));
  }
  for (auto& lane : lanes) lane.join();
  EXPECT_EQ(turns, (std::vector<int>{1, 2, 3}));
  std::unique_lock<RunStateLock> mine(state);
  EXPECT_EQ(order.ended(), 3);
}

}  // namespace
}  // namespace l2mac::control_unit
