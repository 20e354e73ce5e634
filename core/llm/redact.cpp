#include "core/llm/redact.hpp"

namespace l2mac::llm {

std::string RedactSecret(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  constexpr std::string_view kMark = "[redacted]";
  size_t pos = text.find(secret);
  while (pos != std::string::npos) {
    text.replace(pos, secret.size(), kMark);
    pos = text.find(secret, pos + kMark.size());
  }
  return text;
}

std::string UrlForDisplay(std::string_view url) {
  size_t scheme_end = url.find("://");
  size_t authority_begin = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  size_t authority_end = url.find_first_of("/?#", authority_begin);
  if (authority_end == std::string_view::npos) authority_end = url.size();
  std::string_view authority = url.substr(authority_begin, authority_end - authority_begin);
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, authority_begin)) + "[redacted]@" +
         std::string(url.substr(authority_begin + at + 1));
}

}  // namespace l2mac::llm
