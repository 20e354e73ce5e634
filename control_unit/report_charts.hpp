// The HTML report's charts, as inline SVG appended to the page: the prompt program as a
// graph, the timeline of model calls, and the context fill of each call. Every text from
// the data is escaped; every chart draws at most what ReportLimits allows.
//
// Pure functions of their input; thread-safe.
#pragma once

#include <string>

#include "control_unit/report_data.hpp"

namespace l2mac::control_unit {

// Instructions as boxes coloured by status, dependencies as arrows (program_layout.hpp).
void AppendProgramGraph(std::string& html, const ReportData& data, const ReportLimits& limits);

// One row per instruction (and one for planning): each model call a bar from when it was
// sent to its reply, coloured by purpose; failed checks and commits marked.
void AppendTimeline(std::string& html, const ReportData& data, const ReportLimits& limits);

// Each call's prompt (l2mac's estimate, else the server's count) over the context window,
// with the restart threshold, and the calls that asked for a summary (context restarts).
void AppendContextFill(std::string& html, const ReportData& data, const ReportLimits& limits);

}  // namespace l2mac::control_unit
