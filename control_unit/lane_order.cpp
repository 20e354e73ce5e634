#include "control_unit/lane_order.hpp"

#include <algorithm>

namespace l2mac::control_unit {

Result<LaneView> ReadLaneView(Workspace& workspace) {
  LaneView view;
  L2MAC_ASSIGN_OR_RETURN(view.head, workspace.store().Head());
  L2MAC_ASSIGN_OR_RETURN(view.records, workspace.registry().All());
  L2MAC_ASSIGN_OR_RETURN(view.protected_tests, workspace.test_baseline().Load());
  return view;
}

std::optional<registry::InstructionRecord> ReadyUnder(const LaneView& view,
                                                      const std::set<std::string>& started) {
  std::set<std::string> committed;
  for (const auto& record : view.records) {
    if (record.status == registry::InstructionStatus::kCommitted) {
      committed.insert(record.instruction.id);
    }
  }
  for (const auto& record : view.records) {
    if (record.status != registry::InstructionStatus::kPending) continue;
    if (started.count(record.instruction.id)) continue;
    const auto& deps = record.instruction.depends_on;
    if (std::all_of(deps.begin(), deps.end(),
                    [&](const std::string& dep) { return committed.count(dep) > 0; })) {
      return record;
    }
  }
  return std::nullopt;
}

LaneOrder::LaneOrder(RunStateLock& state, int lanes, std::shared_ptr<const LaneView> start)
    : state_(state), lanes_(lanes) {
  views_.push_back(std::move(start));
}

LaneOrder::Decision LaneOrder::Next() {
  Decision decision;
  const int ticket = issued_ + 1;
  // No lane is free before ticket - N ended; and views never go back.
  const int lowest = std::max(lowest_view_, ticket - lanes_);
  for (int view = lowest; view <= ended(); ++view) {
    std::optional<registry::InstructionRecord> ready = ReadyUnder(*views_[view], started_);
    if (!ready) {
      // Nothing is ready here, so nothing is at any lower view either: later tickets
      // start their search above it.
      lowest_view_ = view + 1;
      continue;
    }
    lowest_view_ = view;
    decision.start = Start{ticket, ((ticket - 1) % lanes_) + 1, std::move(*ready), views_[view]};
    return decision;
  }
  // Nothing ready under the views there are: a view still to come may bring some, unless
  // every ticket has ended (then nothing ever will).
  decision.wait = ended() < issued_;
  return decision;
}

void LaneOrder::Issue(const Start& start) {
  issued_ = start.ticket;
  started_.insert(start.record.instruction.id);
}

void LaneOrder::WaitForTurn(int ticket) {
  turn_.wait(state_, [&] { return ended() >= ticket - 1; });
}

void LaneOrder::End(int ticket, std::shared_ptr<const LaneView> after) {
  // Only the ticket whose turn it is ends (its lane waited for it), so views_ stays in
  // ticket order.
  if (ticket != ended() + 1) return;
  views_.push_back(std::move(after));
  turn_.notify_all();
}

}  // namespace l2mac::control_unit
