// Text made safe for an HTML page (element content and quoted attribute values): the
// report is built from untrusted text (model output, file paths, test logs).
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace l2mac::control_unit {

// Appends `text` escaped: & < > " ' as character references; invalid UTF-8 bytes, NUL and
// the other control characters except tab, newline and carriage return (which HTML does
// not allow in a page) as U+FFFD. Nothing in the result can open a tag, end an attribute
// or start a character reference.
void AppendHtmlEscaped(std::string& out, std::string_view text);
std::string HtmlEscape(std::string_view text);

}  // namespace l2mac::control_unit
