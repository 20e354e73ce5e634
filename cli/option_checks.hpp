// CLI11 checks for l2mac's options whose descriptions and errors read the way people
// write: "1000 to 100000000" rather than CLI::Range's "[1000 - 100000000]" (and
// "0.100000" for 0.1), and "did you mean ollama?" for a misspelled name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace l2mac::cli {

// A whole number from `min` to `max` (inclusive).
CLI::Validator WholeNumberRange(int64_t min, int64_t max);
// A number from `min` to `max` (inclusive).
CLI::Validator NumberRange(double min, double max);

// One of `names`, exactly; any other value is refused naming the choices, with the nearest
// one suggested when the value looks like a typo of it.
CLI::Validator OneOf(std::vector<std::string> names);

// Replaces each CLI::Range check on the options of `app` and of all its subcommands with
// the equivalent WholeNumberRange or NumberRange, so that options registered elsewhere
// print like the rest. Call after every option is added, before parsing.
void MakeRangesReadable(CLI::App& app);

}  // namespace l2mac::cli
