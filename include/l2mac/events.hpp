// The event stream of a run: every state change (planned, instruction started, tool call,
// check finished, committed, model call, budget warning, ...) as it happens, passed to the
// callback given to Run::Start or Run::Resume. Each event is the same JSON object that
// `l2mac run --json` prints and the run stores (docs/EVENTS.md documents every type and
// field, docs/events.schema.json is its schema); the envelope fields are copied out here.
//
// Threads: the callback is called on the run's own thread (never the thread that called
// Start or Resume) and, with Options::parallel above 1, on its lanes' threads too; always
// one event at a time, in sequence order, never two calls at once, until Run::Wait() can
// return. It needs no locking unless it shares state with other threads. It may call
// Run::Cancel() (and nothing else of its Run: Wait() or destroying the Run from the
// callback would wait for itself). It should return quickly: the run waits for it.
//
// Errors: the callback must not throw. If it does, the run is cancelled and Run::Wait()
// returns kInternal naming the exception; nothing committed is lost.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace l2mac {

struct Event {
  int64_t seq = 0;          // strictly increasing within a run, continued across resumes
  int64_t time_ms = 0;      // wall clock, milliseconds since the Unix epoch
  std::string type;         // "run_started", "instruction_committed", "tool_call", ...
  std::string instruction;  // the instruction's id; "" for the run and its planning
  int lane = 0;             // with Options::parallel: the lane (from 1) running it; else 0
  std::string json;         // the whole event, one line of JSON (docs/EVENTS.md)
};

// The Run keeps its own copy (and what it captures) until the Run is destroyed; an empty
// function receives nothing.
using EventCallback = std::function<void(const Event&)>;

}  // namespace l2mac
