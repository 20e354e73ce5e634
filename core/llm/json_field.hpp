// Helpers for strict reading of JSON objects from model servers and transcripts: every
// accessor either returns the field's value or a kInvalidArgument Status naming the field
// by its path (e.g. "choices[0].message.content") and the type it had. Internal to
// core/llm; none of these throw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/status.hpp"

namespace l2mac::llm {

// The JSON type of `value` with an article: "a string", "an object", "null".
std::string DescribeJsonType(const nlohmann::json& value);

// "`<path>` is a number, expected <expected>".
Status FieldTypeError(std::string_view path, const nlohmann::json& value,
                      std::string_view expected);

// "`<path>` is missing, expected <expected>".
Status MissingFieldError(std::string_view path, std::string_view expected);

// `object[key]` as a string: absent or null gives "", any other non-string is an error.
// `object` must be a JSON object.
Result<std::string> OptionalStringField(const nlohmann::json& object, const char* key,
                                        std::string_view path);

// `object[key]` as an integer: absent or null gives 0, a non-integer is an error.
Result<int64_t> OptionalIntField(const nlohmann::json& object, const char* key,
                                 std::string_view path);

// At most `max_bytes` of `text`, cut on a UTF-8 character boundary, with "..." appended
// when something was cut. Used to quote server bodies in error messages.
std::string Excerpt(std::string_view text, size_t max_bytes);

// The text of a nlohmann exception without its "[json.exception.x.y] " prefix.
std::string JsonErrorDetail(const std::exception& error);

}  // namespace l2mac::llm
