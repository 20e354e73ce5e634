// Keeping credentials out of messages and logs. Internal to core/llm.
#pragma once

#include <string>
#include <string_view>

namespace l2mac::llm {

// `text` with every occurrence of `secret` replaced by "[redacted]"; unchanged when
// `secret` is empty.
std::string RedactSecret(std::string text, std::string_view secret);

// `url` with any "user:password@" part after the scheme replaced by "[redacted]@", so a
// URL can be shown in errors and Describe() even when credentials were embedded in it.
std::string UrlForDisplay(std::string_view url);

}  // namespace l2mac::llm
