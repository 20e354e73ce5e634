// The tasks `l2mac eval` runs: the three system-design tasks of the L2MAC paper, shipped
// as specs in examples/eval/ and built into the binary (url_shortener, social_media,
// chat_app), and spec files given with --spec, each named by its file name without the
// extension. Stateless; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/status.hpp"

namespace l2mac::cli {

struct EvalTask {
  std::string name;    // the folder of its runs under --out: url_shortener, my_spec
  std::string source;  // "built-in url_shortener" or the spec file's path
  std::string text;    // the spec
};

// The built-in tasks' names, in the paper's order.
const std::vector<std::string>& BuiltinEvalTaskNames();

// The tasks of a comma-separated `names` list (empty: none) followed by those of `spec_files`.
// Errors: kNotFound for an unknown name (naming the known ones and the nearest: a usage
// error); kInvalidArgument for a spec file that does not exist or cannot be read
// (ReadUserTextFile's message), an empty spec, or two tasks with one name.
Result<std::vector<EvalTask>> ResolveEvalTasks(const std::string& names,
                                               const std::vector<std::string>& spec_files);

}  // namespace l2mac::cli
