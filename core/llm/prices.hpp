// What model calls cost: US dollars per million tokens for input, cached input and output,
// per model. Built-in defaults cover common hosted models (list prices when written; they
// change, so the "prices" section of the configuration file overrides or extends them).
// Local servers are free: a model missing from the table costs nothing and is reported as
// unpriced.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/llm/message.hpp"
#include "core/status.hpp"

namespace l2mac::llm {

struct ModelPrice {
  double input_per_mtok = 0;
  double cached_input_per_mtok = 0;  // prompt-cache hits (OpenAI cached, Anthropic reads)
  double output_per_mtok = 0;

  bool operator==(const ModelPrice&) const = default;
};

class PriceTable {
 public:
  // The built-in prices.
  static PriceTable BuiltIn();

  // Adds or replaces prices from JSON {"<model>": {"input_per_mtok": N,
  // "output_per_mtok": N, "cached_input_per_mtok": N}}. "cached_input_per_mtok" defaults
  // to the input price. Errors name the model and key.
  Status Override(const nlohmann::json& prices);

  // The price of `model`: an exact entry, else the longest entry that is a prefix of it
  // ("gpt-4o-2024-08-06" is priced as "gpt-4o"; "openai/gpt-4o" as "gpt-4o" too, the
  // provider prefix of OpenRouter names being ignored).
  std::optional<ModelPrice> Find(std::string_view model) const;

  // Dollars for one call; zero for an unpriced model.
  double Cost(std::string_view model, const Usage& usage) const;

 private:
  std::map<std::string, ModelPrice, std::less<>> prices_;
};

}  // namespace l2mac::llm
