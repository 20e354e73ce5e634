// JSON text output that cannot throw: invalid UTF-8 in strings (model output, test logs,
// binary files) is replaced with U+FFFD instead of raising, so a stray byte never
// crashes a run.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace l2mac {

std::string DumpJson(const nlohmann::json& value);

}  // namespace l2mac
