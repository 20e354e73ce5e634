// Drives `l2mac mcp` with the official MCP TypeScript SDK client, end to end against the
// simulated model that tests/scenarios/mcp_test.cpp serves. Environment: L2MAC_BIN (the
// binary), MODEL_URL (the simulated server), WORK_DIR (a private folder). The scripted
// model writes arith.py and test_arith.py; it holds a run whose spec says HOLD in its
// first instruction call, so that run can be cancelled mid-call (and a third one left
// running when the client closes).
// Prints "mcp client: ok" and exits 0 when every check holds; exits 1 naming the first
// that does not.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const bin = process.env.L2MAC_BIN;
const modelUrl = process.env.MODEL_URL;
const work = process.env.WORK_DIR;
assert.ok(bin && modelUrl && work, "L2MAC_BIN, MODEL_URL and WORK_DIR must be set");

const log = (...args) => console.log("mcp client:", ...args);
const textOf = (result) => result.content.map((item) => item.text ?? "").join("");
const jsonOf = (result) => JSON.parse(textOf(result));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function call(client, name, args, options) {
  const result = await client.callTool({ name, arguments: args }, undefined, options);
  return result;
}

async function main() {
  const transport = new StdioClientTransport({
    command: bin,
    args: ["mcp"],
    env: { ...process.env },
    stderr: "inherit",
  });
  const client = new Client({ name: "l2mac-mcp-test", version: "1.0.0" });
  await client.connect(transport);
  assert.equal(client.getServerVersion()?.name, "l2mac");
  log("connected, protocol", transport._protocolVersion ?? "(negotiated)");

  const tools = (await client.listTools()).tools.map((tool) => tool.name).sort();
  assert.deepEqual(tools, ["cancel_run", "diff_files", "list_files", "read_file", "resume_run",
    "run_status", "start_run", "wait_run", "write_report"]);
  log("tools:", tools.join(", "));

  // A tool error is a result with isError and advice, not a protocol error.
  const refused = await call(client, "start_run", { out: path.join(work, "x") });
  assert.equal(refused.isError, true);
  assert.match(textOf(refused), /spec_text or as spec_file/);

  // The first run, followed to its end with progress.
  const started = await call(client, "start_run", {
    out: path.join(work, "out1"),
    spec_text: "Build a tiny Python library of arithmetic helpers with pytest tests.",
    base_url: modelUrl,
  });
  assert.equal(started.isError, false, textOf(started));
  const runId = jsonOf(started).run_id;
  assert.equal(runId, "run-1");
  const progress = [];
  const waited = await call(client, "wait_run", { run_id: runId, timeout_seconds: 120 }, {
    onprogress: (p) => progress.push(p),
    timeout: 150000,
    resetTimeoutOnProgress: true,
  });
  const finished = jsonOf(waited);
  assert.equal(finished.process.state, "exited", textOf(waited));
  assert.equal(finished.process.exit_code, 0, textOf(waited));
  assert.ok(progress.length >= 3, "progress notifications: " + JSON.stringify(progress));
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i].progress > progress[i - 1].progress);
  assert.ok(progress.some((p) => /instruction 1 committed/.test(p.message)), JSON.stringify(progress));
  assert.ok(progress.some((p) => /run finished: completed/.test(p.message)), JSON.stringify(progress));
  log("progress:", progress.map((p) => p.message).join(" | "));

  const status = jsonOf(await call(client, "run_status", { run_id: runId }));
  assert.equal(status.status.instructions[0].status, "committed");

  // A generated file, through the tool and as a resource.
  const expected = "def add(a, b):\n    return a + b\n";
  const read = await call(client, "read_file", { run_id: runId, path: "arith.py" });
  assert.equal(read.isError, false, textOf(read));
  assert.equal(textOf(read), expected);
  const missing = await call(client, "read_file", { run_id: runId, path: "nope.py" });
  assert.equal(missing.isError, true);
  assert.match(textOf(missing), /list_files/);
  const files = jsonOf(await call(client, "list_files", { run_id: runId }));
  assert.deepEqual(files.files.map((f) => f.path).sort(), ["arith.py", "test_arith.py"]);
  const diff = textOf(await call(client, "diff_files", { run_id: runId }));
  assert.match(diff, /\+def add\(a, b\):/);
  const resources = (await client.listResources()).resources.map((r) => r.uri);
  assert.ok(resources.includes("l2mac://run-1/arith.py"), resources.join(" "));
  const resource = await client.readResource({ uri: "l2mac://run-1/arith.py" });
  assert.equal(resource.contents[0].text, expected);
  await assert.rejects(client.readResource({ uri: "l2mac://run-9/arith.py" }), /no run 'run-9'/);
  const report = jsonOf(await call(client, "write_report", { run_id: runId }));
  assert.ok(fs.readFileSync(report.path, "utf8").includes("<html"), report.path);
  log("read arith.py, listed", resources.length, "resources, report at", report.path);

  // A second run, held in its first model call, cancelled.
  const second = jsonOf(await call(client, "start_run", {
    out: path.join(work, "out2"),
    spec_text: "HOLD: build a tiny Python library of arithmetic helpers with pytest tests.",
    base_url: modelUrl,
  }));
  let running = false;
  for (let i = 0; i < 600 && !running; i++) {
    const now = jsonOf(await call(client, "run_status", { run_id: second.run_id }));
    running = (now.status?.instructions ?? []).some((item) => item.status === "running");
    if (!running) await sleep(100);
  }
  assert.ok(running, "the second run never reached its held model call");
  const cancelled = await call(client, "cancel_run", { run_id: second.run_id });
  assert.equal(cancelled.isError, false, textOf(cancelled));
  const stopped = jsonOf(await call(client, "wait_run", { run_id: second.run_id, timeout_seconds: 30 }));
  assert.equal(stopped.process.exit_code, 130, JSON.stringify(stopped));
  assert.match(stopped.process.meaning, /resumable/);
  assert.match(stopped.status.state, /^interrupted/);
  assert.ok(stopped.status.instructions.every((item) => item.status !== "running"));
  const again = await call(client, "cancel_run", { run_id: second.run_id });
  assert.equal(again.isError, true);
  assert.match(textOf(again), /resume_run/);
  log("second run cancelled:", stopped.status.state);

  // A third run, held, left running when the client goes away: the server interrupts it
  // at stdin's end (the gtest checks that it stopped, resumable).
  const third = jsonOf(await call(client, "start_run", {
    out: path.join(work, "out3"),
    spec_text: "HOLD: build a tiny Python library of arithmetic helpers with pytest tests.",
    base_url: modelUrl,
  }));
  running = false;
  for (let i = 0; i < 600 && !running; i++) {
    const now = jsonOf(await call(client, "run_status", { run_id: third.run_id }));
    running = (now.status?.instructions ?? []).some((item) => item.status === "running");
    if (!running) await sleep(100);
  }
  assert.ok(running, "the third run never reached its held model call");

  await client.close();
  log("ok");
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error("mcp client: FAILED:", error?.stack ?? error);
    process.exit(1);
  },
);
