// `l2mac mcp`: the Model Context Protocol server (cli/mcp_server.hpp) on stdin/stdout.
// stdout carries only protocol messages; logs go to stderr.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace l2mac::cli {

// Registers the `mcp` subcommand on `app`. Returns it.
CLI::App* AddMcpCommand(CLI::App& app);

// Serves until stdin ends (or SIGINT/SIGTERM), then interrupts the runs still going and
// waits for them (bounded). Exit status 0; 1 when stdin cannot be read.
int McpCommand();

}  // namespace l2mac::cli
