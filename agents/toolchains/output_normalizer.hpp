// What the checks print, made the same whatever folder and moment it came from, so that
// the gate reports a model reads (and the transcript records) repeat exactly: a strict
// replay of a run whose checks failed compares equal.
//
// Checks run in the check tree (DIR/.l2mac/check/<branch>; older versions used a fresh
// DIR/.l2mac/tmp/snapshot-XXXXXX), so their output names that folder: pytest's tracebacks and
// rootdir, compiler diagnostics, ctest's and cargo's build paths. It is stripped: paths come out
// relative to the store's root ("src/app.py", "." for the root itself). Timings ("in 0.12s",
// "(0.00s)", "0.01 sec", duration_ms, go's Time and Elapsed), memory addresses
// ("0x7f3a9c..."), and cargo's per-path hashes of test binaries are replaced by fixed
// placeholders ("<time>", "0x<address>", "<hash>"). Patterns are RE2 (linear time in the
// output). Thread-safe: pure function over immutable compiled patterns.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace l2mac::toolchains {

// `output` with the snapshot folder `root` stripped and run-specific details replaced.
// Idempotent.
std::string NormalizeCheckOutput(std::string_view output, const std::filesystem::path& root);

}  // namespace l2mac::toolchains
