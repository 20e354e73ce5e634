#include "api/model_settings.hpp"

#include <nlohmann/json.hpp>

#include "core/llm/extra_body.hpp"

namespace l2mac {

std::vector<ModelPreset> ModelPresets() {
  std::vector<ModelPreset> presets;
  for (const control_unit::Preset& preset : control_unit::Presets()) {
    presets.push_back({preset.name, preset.wire, preset.base_url, preset.api_key_env,
                       preset.default_model, preset.note});
  }
  return presets;
}

namespace api {

Result<control_unit::ProviderSettings> ToProviderSettings(const ModelOptions& options) {
  control_unit::ProviderSettings settings;
  settings.preset = options.preset;
  settings.base_url = options.base_url;
  settings.model = options.model;
  settings.api_key_env = options.api_key_env;
  settings.api_version = options.api_version;
  settings.replay = options.replay;
  settings.replay_strict = options.replay_strict;
  settings.tokenizer = options.tokenizer;
  settings.no_stream = !options.stream;
  settings.text_protocol = options.text_protocol;
  settings.max_retries = options.max_retries;
  settings.max_retry_wait_seconds = options.max_retry_wait_seconds;
  settings.connect_timeout_seconds = options.connect_timeout_seconds;
  settings.first_byte_timeout_seconds = options.first_byte_timeout_seconds;
  settings.idle_timeout_seconds = options.idle_timeout_seconds;
  settings.request_timeout_seconds = options.request_timeout_seconds;
  settings.requests_per_minute = options.requests_per_minute;
  settings.tokens_per_minute = options.tokens_per_minute;
  settings.max_output_tokens = options.max_output_tokens;
  settings.temperature = options.temperature;
  if (!options.extra_body_json.empty()) {
    nlohmann::json extra = nlohmann::json::parse(options.extra_body_json, nullptr,
                                                 /*allow_exceptions=*/false);
    if (!extra.is_object()) {
      return Status::InvalidArgument(
          "ModelOptions::extra_body_json is not a JSON object: give one like "
          "{\"top_p\": 0.9}, or leave it empty");
    }
    L2MAC_RETURN_IF_ERROR(llm::ValidateExtraBody(extra));
    settings.extra_body = std::move(extra);
  }
  if (settings.max_output_tokens &&
      (*settings.max_output_tokens < 1 ||
       *settings.max_output_tokens > control_unit::kMaxOutputTokensLimit)) {
    return Status::InvalidArgument("ModelOptions::max_output_tokens must be 1 to " +
                                   std::to_string(control_unit::kMaxOutputTokensLimit));
  }
  if (settings.temperature && !(*settings.temperature >= 0 && *settings.temperature <= 2)) {
    return Status::InvalidArgument("ModelOptions::temperature must be from 0 to 2");
  }
  return settings;
}

Status CheckUsable(const control_unit::ProviderSettings& settings) {
  L2MAC_RETURN_IF_ERROR(control_unit::CheckBaseUrl(settings.base_url));
  L2MAC_RETURN_IF_ERROR(settings.CheckModelSettings());
  if (!settings.Configured()) {
    return Status::InvalidArgument(
        "no model is configured: set ModelOptions::replay (a recorded transcript), preset or "
        "base_url, or export the API key in the variable ModelOptions::api_key_env names "
        "(default OPENAI_API_KEY)");
  }
  return Status::Ok();
}

}  // namespace api
}  // namespace l2mac
