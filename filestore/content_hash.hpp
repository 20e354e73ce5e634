// Content identity for the store: SHA-256 digests (hex) and line counts.
//
// Used by the store for blob keys and by materialization to compare files on disk with
// stored content. Digest failures (OpenSSL out of memory) are reported as kInternal.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.hpp"

struct evp_md_ctx_st;

namespace l2mac::filestore {

// Lowercase hex SHA-256 of `bytes`.
Result<std::string> Sha256Hex(std::string_view bytes);

// Number of '\n'-terminated lines plus one for a final unterminated line ("" has 0,
// "a" has 1, "a\n" has 1, "a\nb" has 2).
int64_t CountLines(std::string_view bytes);

// SHA-256 over content that arrives in pieces (a file read in chunks). Not copyable; use
// from one thread at a time.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  void Update(std::string_view bytes);
  // The lowercase hex digest of everything passed to Update(). Call once.
  Result<std::string> FinishHex();

 private:
  struct ContextDeleter {
    void operator()(evp_md_ctx_st* context) const;
  };
  std::unique_ptr<evp_md_ctx_st, ContextDeleter> context_;
  bool failed_ = false;
};

}  // namespace l2mac::filestore
