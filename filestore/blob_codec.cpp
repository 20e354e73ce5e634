#include "filestore/blob_codec.hpp"

#include <zlib.h>

namespace l2mac::filestore {

EncodedBlob EncodeBlob(std::string_view content) {
  EncodedBlob blob;
  if (content.size() < kCompressMinBytes) return blob;
  uLongf bound = compressBound(static_cast<uLong>(content.size()));
  std::string out(bound, '\0');
  if (compress2(reinterpret_cast<Bytef*>(out.data()), &bound,
                reinterpret_cast<const Bytef*>(content.data()), static_cast<uLong>(content.size()),
                1) != Z_OK) {
    return blob;  // keep it raw: compression is only an optimisation
  }
  if (bound > content.size() / 8 * 7) return blob;
  out.resize(bound);
  blob.encoding = BlobEncoding::kZlib;
  blob.bytes = std::move(out);
  return blob;
}

Result<std::string> DecodeBlob(BlobEncoding encoding, std::string stored, int64_t size) {
  if (encoding == BlobEncoding::kRaw) return stored;
  if (encoding != BlobEncoding::kZlib || size < 0) {
    return Status::Corruption("a blob in the file store has an unknown encoding " +
                              std::to_string(static_cast<int64_t>(encoding)) +
                              "; the state database is damaged or from a newer l2mac");
  }
  std::string out(static_cast<size_t>(size), '\0');
  auto length = static_cast<uLongf>(size);
  int code =
      uncompress(reinterpret_cast<Bytef*>(out.data()), &length,
                 reinterpret_cast<const Bytef*>(stored.data()), static_cast<uLong>(stored.size()));
  if (code != Z_OK || length != static_cast<uLongf>(size)) {
    return Status::Corruption(
        "a compressed blob in the file store does not inflate to its "
        "recorded size; the state database is damaged: restore it from a "
        "backup or start a new output folder");
  }
  return out;
}

}  // namespace l2mac::filestore
