// How blob content is kept in the `blobs` table: raw, or zlib-compressed when that pays.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace l2mac::filestore {

enum class BlobEncoding : int64_t { kRaw = 0, kZlib = 1 };

struct EncodedBlob {
  BlobEncoding encoding = BlobEncoding::kRaw;
  std::string bytes;  // empty for kRaw: store the content itself
};

// Blobs below this size are stored raw: compressing them saves little and costs a call.
inline constexpr size_t kCompressMinBytes = 1024;

// Compresses `content` (zlib level 1: fast, most of the gain on source text) and keeps
// the result only when it is at most 7/8 of the original.
EncodedBlob EncodeBlob(std::string_view content);

// The original content of a stored blob of `size` bytes. kCorruption when the bytes do
// not inflate to exactly `size` bytes.
Result<std::string> DecodeBlob(BlobEncoding encoding, std::string stored, int64_t size);

}  // namespace l2mac::filestore
