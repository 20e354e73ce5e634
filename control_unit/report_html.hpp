// The HTML report of a run (`l2mac report`): one self-contained page, inline CSS and SVG,
// no script and no external resource (a Content-Security-Policy forbids both, so even a
// mistake in escaping could not load or run anything). Sections: summary and outcome, the
// prompt program as a graph, the timeline, tokens and cost per instruction, context fill,
// failed checks, files with their history.
//
// Every text from the data is escaped and cut to ReportLimits::max_text_bytes, and every
// table and chart is capped, so the page is valid and bounded for a run of any size.
// Pure function of its input; thread-safe.
#pragma once

#include <string>

#include "control_unit/report_data.hpp"

namespace l2mac::control_unit {

std::string RenderReportHtml(const ReportData& data, const ReportLimits& limits = {});

}  // namespace l2mac::control_unit
