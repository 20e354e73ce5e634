// The first difference between two JSON documents, for error messages that must show
// where a request departed from its recording.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace l2mac::llm {

// Nothing when equal; else e.g. "messages[3].content: recorded \"abc\", now \"abd\"" (the
// path in dotted form, values excerpted, strings shown from a little before the first
// differing character).
std::optional<std::string> FirstJsonDifference(const nlohmann::json& recorded,
                                               const nlohmann::json& now);

}  // namespace l2mac::llm
