#include "cli/option_checks.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string_view>

#include "core/nearest_name.hpp"

namespace l2mac::cli {
namespace {

// Integral values without a fraction ("86400", not "86400.000000"), others as short as
// they round-trip ("0.1").
std::string FormatNumber(double value) { return fmt::format("{:.15g}", value); }

std::optional<int64_t> ParseWholeNumber(std::string_view text) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> ParseNumber(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::string JoinNames(const std::vector<std::string>& names, std::string_view separator) {
  std::string joined;
  for (const std::string& name : names) {
    if (!joined.empty()) joined += separator;
    joined += name;
  }
  return joined;
}

// CLI::Range's description is "<TYPE> in [<min> - <max>]" (TYPE is INT or FLOAT).
struct RangeBounds {
  bool whole = false;
  std::string min;
  std::string max;
};
std::optional<RangeBounds> ParseRangeDescription(const std::string& description) {
  RangeBounds bounds;
  std::string_view rest = description;
  if (rest.rfind("INT in [", 0) == 0) {
    bounds.whole = true;
    rest.remove_prefix(8);
  } else if (rest.rfind("FLOAT in [", 0) == 0) {
    rest.remove_prefix(10);
  } else {
    return std::nullopt;
  }
  const size_t dash = rest.find(" - ");
  if (dash == std::string_view::npos || rest.empty() || rest.back() != ']') return std::nullopt;
  bounds.min = std::string(rest.substr(0, dash));
  bounds.max = std::string(rest.substr(dash + 3, rest.size() - dash - 4));
  return bounds;
}

}  // namespace

CLI::Validator WholeNumberRange(int64_t min, int64_t max) {
  const std::string range = std::to_string(min) + " to " + std::to_string(max);
  return CLI::Validator(
      [min, max, range](std::string& input) -> std::string {
        std::optional<int64_t> value = ParseWholeNumber(input);
        if (!value || *value < min || *value > max) {
          return "must be a whole number from " + range + " (got '" + input + "')";
        }
        return {};
      },
      range);
}

CLI::Validator NumberRange(double min, double max) {
  const std::string range = FormatNumber(min) + " to " + FormatNumber(max);
  return CLI::Validator(
      [min, max, range](std::string& input) -> std::string {
        std::optional<double> value = ParseNumber(input);
        if (!value || *value < min || *value > max) {
          return "must be a number from " + range + " (got '" + input + "')";
        }
        return {};
      },
      range);
}

CLI::Validator OneOf(std::vector<std::string> names) {
  const std::string description = "{" + JoinNames(names, ",") + "}";
  return CLI::Validator(
      [names = std::move(names)](std::string& input) -> std::string {
        for (const std::string& name : names) {
          if (input == name) return {};
        }
        return "unknown value '" + input + "'" + DidYouMean(input, names) + " (choose one of " +
               JoinNames(names, ", ") + ")";
      },
      description);
}

void MakeRangesReadable(CLI::App& app) {
  for (CLI::Option* option : app.get_options()) {
    for (int index = 0;; ++index) {
      CLI::Validator* check = nullptr;
      try {
        check = option->get_validator(index);
      } catch (const CLI::OptionNotFound&) {
        break;
      }
      std::optional<RangeBounds> bounds = ParseRangeDescription(check->get_description());
      if (!bounds) continue;
      if (bounds->whole) {
        std::optional<int64_t> min = ParseWholeNumber(bounds->min);
        std::optional<int64_t> max = ParseWholeNumber(bounds->max);
        if (min && max) *check = WholeNumberRange(*min, *max);
      } else {
        std::optional<double> min = ParseNumber(bounds->min);
        std::optional<double> max = ParseNumber(bounds->max);
        if (min && max) *check = NumberRange(*min, *max);
      }
    }
  }
  for (CLI::App* command : app.get_subcommands([](CLI::App*) { return true; })) {
    MakeRangesReadable(*command);
  }
}

}  // namespace l2mac::cli
