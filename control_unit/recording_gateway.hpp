// The ModelGateway the control unit gives its agents: calls the provider, then records
// the exchange and the instruction's token usage in the workspace database before
// returning the reply, so that nothing the agent acts on is ever unrecorded.
//
// It is also where budgets are hard: before every call it checks the run's budgets and
// the current instruction's caps against what the call could take at most
// (control_unit/call_budget.hpp), and refuses the call (kResourceExhausted, nothing sent,
// nothing recorded) when it could pass one. The caller tells a refusal from other errors
// with TakeRefusal().
//
// Each call carries its key (llm::ExchangeKey: the instruction, its try, the call's number
// in the try), recorded with the exchange and used by a keyed replay.
//
// Threads: not thread-safe; one gateway per lane (the run loop's, or each parallel lane's
// own), called from that lane's thread. With a RunStateLock the caller holds it when it
// calls; Call() releases it while the provider works (the provider and its rate limiter
// are shared by the lanes and thread-safe) and takes it back before recording.
//
// With lanes the run's budgets hold across them: a call reserves its worst case in the
// run's InFlightSpend while it is in flight, and every other lane's check counts those
// reservations as spent, so N calls in flight cannot together pass a budget. A call that
// only the other lanes' reservations would refuse waits (state lock released) until they
// settle and checks again against what they really spent, so a run near its budget does
// not stop early for a worst case that never happened.
#pragma once

#include <condition_variable>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "agents/model_gateway.hpp"
#include "control_unit/call_budget.hpp"
#include "control_unit/event_emitter.hpp"
#include "control_unit/run_state_lock.hpp"
#include "control_unit/workspace.hpp"
#include "core/llm/prices.hpp"
#include "core/llm/provider.hpp"
#include "core/token_estimator.hpp"

namespace l2mac::control_unit {

// What the calls in flight on every lane could still spend at most. Shared by the lanes'
// gateways; read and written only under the run's state lock. `settled` is notified
// (under it) whenever a call's reservation is released.
struct InFlightSpend {
  int64_t tokens = 0;
  int64_t cost_microusd = 0;
  std::condition_variable_any settled;
};

// Holds one call's worst case in `in_flight` (may be null: no lanes) for its lifetime;
// the destructor releases it and notifies `settled`. Made and destroyed under the state
// lock (the lock is released and taken back inside its scope, by StateReleased).
class InFlightReservation {
 public:
  InFlightReservation(InFlightSpend* in_flight, const CallWorstCase& worst)
      : in_flight_(in_flight), tokens_(worst.tokens()), cost_microusd_(worst.cost_microusd) {
    if (in_flight_ == nullptr) return;
    in_flight_->tokens += tokens_;
    in_flight_->cost_microusd += cost_microusd_;
  }
  ~InFlightReservation() {
    if (in_flight_ == nullptr) return;
    in_flight_->tokens -= tokens_;
    in_flight_->cost_microusd -= cost_microusd_;
    in_flight_->settled.notify_all();
  }
  InFlightReservation(const InFlightReservation&) = delete;
  InFlightReservation& operator=(const InFlightReservation&) = delete;

 private:
  InFlightSpend* in_flight_;
  int64_t tokens_;
  int64_t cost_microusd_;
};

class RecordingGateway : public agents::ModelGateway {
 public:
  // Borrows both; they must outlive the gateway.
  RecordingGateway(llm::Provider& provider, Workspace& workspace)
      : provider_(provider), workspace_(workspace) {}

  // The instruction whose usage subsequent calls count against ("" while planning), and
  // its own caps.
  // Each call starts a new try of it: the first call's key has the next free attempt
  // number (ExchangeLog::LastAttempt + 1) and turn 1.
  void set_instruction(std::string id, SpendLimits caps = {}) {
    instruction_id_ = std::move(id);
    instruction_caps_ = caps;
    attempt_ = 0;
    turn_ = 0;
  }
  // The try the calls since set_instruction() belong to (0 before the first call).
  int64_t attempt() const { return attempt_; }
  // With parallel lanes (both borrowed; null without): released around provider calls,
  // and the reservations of the calls in flight.
  void set_state_lock(RunStateLock* lock) { state_lock_ = lock; }
  void set_in_flight(InFlightSpend* in_flight) { in_flight_ = in_flight; }
  // The run's budgets (--max-tokens, --max-cost) over every call ever made in the run.
  void set_run_budget(SpendLimits limits) { run_budget_ = limits; }
  // Prices calls: by the model the server names, else by `fallback_model`.
  void set_pricing(llm::PriceTable prices, std::string fallback_model) {
    prices_ = std::move(prices);
    fallback_model_ = std::move(fallback_model);
  }

  // What counts each request's estimated tokens (for the budgets, the events' context
  // fill and the exchange's recorded estimate): the run's counter, null for the fast
  // estimate. Shared and immutable.
  void set_token_counter(std::shared_ptr<const TokenCounter> counter) {
    counter_ = std::move(counter);
  }

  // The sampling temperature every call is sent (and recorded) with (--temperature).
  void set_temperature(double temperature) { temperature_ = temperature; }

  // Borrowed, may be null: once cancelled, no call starts and the one in flight is aborted;
  // both return kCancelled.
  void set_cancel(const CancelToken* cancel) { cancel_ = cancel; }
  // Where model_call_started/finished and the reply's text deltas go (borrowed; null:
  // nowhere). The finished event is flushed in the transaction that records the exchange.
  void set_events(EventEmitter* events) { events_ = events; }
  // The usable context budget (estimated tokens) of the agent calling next, for the
  // events' context fill; 0: unknown.
  void set_usable_context(int64_t tokens) { usable_context_ = tokens; }

  Result<llm::ChatResponse> Call(const llm::ChatRequest& request,
                                 agents::CallPurpose purpose) override;

  // Why the last refused call was refused, once: a failed Call with a refusal here was
  // stopped by a budget rather than by the model or the database.
  std::optional<BudgetRefusal> TakeRefusal() { return std::exchange(refusal_, std::nullopt); }

 private:
  // A refusal when the call could pass the run's budget or the instruction's caps.
  Result<std::optional<BudgetRefusal>> CheckBudgets(const llm::ChatRequest& request);
  // The most `request` could use, priced as the configured model.
  CallWorstCase WorstCase(const llm::ChatRequest& request) const;

  llm::Provider& provider_;
  Workspace& workspace_;
  std::string instruction_id_;
  llm::PriceTable prices_ = llm::PriceTable::BuiltIn();
  std::string fallback_model_;
  double temperature_ = 0.0;
  std::shared_ptr<const TokenCounter> counter_;
  const CancelToken* cancel_ = nullptr;
  SpendLimits run_budget_;
  SpendLimits instruction_caps_;
  std::optional<BudgetRefusal> refusal_;
  EventEmitter* events_ = nullptr;
  int64_t usable_context_ = 0;
  int64_t attempt_ = 0;
  int64_t turn_ = 0;
  RunStateLock* state_lock_ = nullptr;
  InFlightSpend* in_flight_ = nullptr;
};

}  // namespace l2mac::control_unit
