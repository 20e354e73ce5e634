// The public ModelOptions as the library's ProviderSettings
// (control_unit/provider_settings.hpp), and what Run::Start and Run::Resume check of them
// before building a provider. Plain functions over values; any thread.
#pragma once

#include "control_unit/provider_settings.hpp"
#include "core/status.hpp"
#include "l2mac/provider.hpp"

namespace l2mac::api {

// kInvalidArgument when extra_body_json is not a JSON object or sets a key l2mac owns.
Result<control_unit::ProviderSettings> ToProviderSettings(const ModelOptions& options);

// What makes a provider from `settings` pointless to build: credentials in the base URL,
// an unset key variable the server needs, a temperature the model refuses, or nothing
// naming a model at all (kInvalidArgument, saying what to set).
Status CheckUsable(const control_unit::ProviderSettings& settings);

}  // namespace l2mac::api
