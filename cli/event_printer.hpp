// How the CLI shows a run's events: progress lines on stderr through spdlog (the lines
// l2mac printed before events existed, at the levels -v and -q select), and a sink that
// passes each event to several others (--json adds the JSONL feed on stdout).
//
// Both are called from the run's thread only (see control_unit/events.hpp).
#pragma once

#include <string>
#include <vector>

#include "control_unit/events.hpp"

namespace l2mac::cli {

class ProgressLogSink : public control_unit::EventSink {
 public:
  // `out_dir` is named in the "committed" lines.
  explicit ProgressLogSink(std::string out_dir) : out_dir_(std::move(out_dir)) {}
  void OnEvent(const control_unit::RunEvent& event) override;

 private:
  std::string out_dir_;
};

class FanOutSink : public control_unit::EventSink {
 public:
  // Borrows the sinks; null entries are ignored.
  explicit FanOutSink(std::vector<control_unit::EventSink*> sinks) : sinks_(std::move(sinks)) {}
  void OnEvent(const control_unit::RunEvent& event) override {
    for (control_unit::EventSink* sink : sinks_) {
      if (sink != nullptr) sink->OnEvent(event);
    }
  }

 private:
  std::vector<control_unit::EventSink*> sinks_;
};

}  // namespace l2mac::cli
