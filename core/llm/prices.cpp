#include "core/llm/prices.hpp"

#include <fmt/format.h>

namespace l2mac::llm {

PriceTable PriceTable::BuiltIn() {
  PriceTable table;
  // USD per million tokens: input, cached input, output.
  table.prices_ = {
      {"gpt-4o", {2.50, 1.25, 10.00}},
      {"gpt-4o-mini", {0.15, 0.075, 0.60}},
      {"gpt-4.1", {2.00, 0.50, 8.00}},
      {"gpt-4.1-mini", {0.40, 0.10, 1.60}},
      {"gpt-4.1-nano", {0.10, 0.025, 0.40}},
      {"gpt-4-turbo", {10.00, 10.00, 30.00}},
      {"o1", {15.00, 7.50, 60.00}},
      {"o3", {2.00, 0.50, 8.00}},
      {"o3-mini", {1.10, 0.55, 4.40}},
      {"o4-mini", {1.10, 0.275, 4.40}},
      {"claude-3-5-sonnet", {3.00, 0.30, 15.00}},
      {"claude-3-7-sonnet", {3.00, 0.30, 15.00}},
      {"claude-sonnet-4", {3.00, 0.30, 15.00}},
      {"claude-3-5-haiku", {0.80, 0.08, 4.00}},
      {"claude-3-haiku", {0.25, 0.03, 1.25}},
      {"claude-3-opus", {15.00, 1.50, 75.00}},
      {"claude-opus-4", {15.00, 1.50, 75.00}},
  };
  return table;
}

Status PriceTable::Override(const nlohmann::json& prices) {
  if (prices.is_null()) return Status::Ok();
  if (!prices.is_object()) {
    return Status::InvalidArgument("prices must be an object mapping model names to prices");
  }
  for (const auto& [model, entry] : prices.items()) {
    if (!entry.is_object()) {
      return Status::InvalidArgument(fmt::format(
          "prices.{} must be an object with input_per_mtok and output_per_mtok", model));
    }
    ModelPrice price;
    bool cached_given = false;
    for (const auto& [key, value] : entry.items()) {
      if (!value.is_number() || value.get<double>() < 0) {
        return Status::InvalidArgument(fmt::format(
            "prices.{}.{} must be a non-negative number (dollars per million tokens)", model, key));
      }
      if (key == "input_per_mtok") {
        price.input_per_mtok = value.get<double>();
      } else if (key == "output_per_mtok") {
        price.output_per_mtok = value.get<double>();
      } else if (key == "cached_input_per_mtok") {
        price.cached_input_per_mtok = value.get<double>();
        cached_given = true;
      } else {
        return Status::InvalidArgument(fmt::format(
            "prices.{}.{} is not a known key: use input_per_mtok, cached_input_per_mtok, "
            "output_per_mtok",
            model, key));
      }
    }
    if (!cached_given) price.cached_input_per_mtok = price.input_per_mtok;
    prices_[model] = price;
  }
  return Status::Ok();
}

std::optional<ModelPrice> PriceTable::Find(std::string_view model) const {
  if (auto slash = model.rfind('/'); slash != std::string_view::npos) {
    if (auto exact = prices_.find(model); exact != prices_.end()) return exact->second;
    model.remove_prefix(slash + 1);
  }
  if (auto exact = prices_.find(model); exact != prices_.end()) return exact->second;
  const ModelPrice* best = nullptr;
  size_t best_length = 0;
  for (const auto& [name, price] : prices_) {
    if (name.size() > best_length && model.starts_with(name)) {
      best = &price;
      best_length = name.size();
    }
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

double PriceTable::Cost(std::string_view model, const Usage& usage) const {
  std::optional<ModelPrice> price = Find(model);
  if (!price) return 0;
  const int64_t cached = std::min(usage.cached_tokens, usage.prompt_tokens);
  const int64_t fresh = usage.prompt_tokens - cached;
  return (static_cast<double>(fresh) * price->input_per_mtok +
          static_cast<double>(cached) * price->cached_input_per_mtok +
          static_cast<double>(usage.completion_tokens) * price->output_per_mtok) /
         1e6;
}

}  // namespace l2mac::llm
