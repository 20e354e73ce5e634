// `l2mac files DIR ls|cat|log|diff|blame|search|outline|export|import|checkout`: inspecting
// and moving the file store of an output folder (DIR/.l2mac/state.db).
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

namespace l2mac::cli {

struct FilesFlags;

// Registers the `files` subcommand and its subcommands on `app`. The returned object
// holds the parsed flags; pass it to RunFilesCommand when the subcommand was given.
struct FilesCommand {
  CLI::App* command = nullptr;
  std::shared_ptr<FilesFlags> flags;
};
FilesCommand AddFilesCommand(CLI::App& app);

// Runs the parsed `files` subcommand; returns the exit status (exit_codes.hpp).
int RunFilesCommand(const FilesCommand& files);

}  // namespace l2mac::cli
