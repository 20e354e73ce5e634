#!/usr/bin/env python3
"""Writes transcript.jsonl, the scripted model responses of the offline url_shortener demo.

`l2mac run examples/url_shortener/spec.md --out DIR --replay examples/url_shortener/transcript.jsonl`
serves these responses, in order, to the real l2mac loop. The loop executes every tool
call against its file store and runs its gates, so the story below must match the order in
which l2mac asks the model:

  planning     one submit_plan call with the spec's requirements F1-F8 and five
               instructions, each listing the requirements it covers
  instruction  a fresh context each; tool-call responses until step_complete is called
               and the gate (Python syntax check, then pytest on a snapshot) passes
  instr. 2     the first step_complete fails the gate (a deliberate expiry off-by-one in
               shortener/service.py); the model reads the code and fixes it with edit_file
  instr. 3     after two large writes, l2mac asks for a progress summary (the context is
               full) and restarts the context from the base messages plus that summary

The file contents come from reference/, the final, correct project, so it can be reviewed
and tested on its own. The script checks its own output: every line parses, call ids are
unique, and replaying the writes and edits gives exactly reference/. With --verify it also
materializes the project at every step_complete and runs the gate's checks there (syntax,
then pytest) to prove each gate passes or fails as the story says.

Usage: python3 make_transcript.py [--verify] [--python /usr/bin/python3]
"""

import argparse
import json
import math
import py_compile
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REFERENCE = HERE / "reference"
TRANSCRIPT = HERE / "transcript.jsonl"
SPEC = HERE / "spec.md"

# Rough token model for the "usage" fields: about four bytes per token, as l2mac estimates.
SYSTEM_AND_TOOLS_TOKENS = 1900  # system prompt plus the tool schemas
TOOL_RESULT_TOKENS = 20  # "wrote shortener/store.py (97 lines)" and the like
GATE_FAILURE_TOKENS = 650  # the failing gate's report: pytest says ~2,000 bytes (see --verify)


def tokens(text):
    return math.ceil(len(text.encode("utf-8")) / 4)


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def ref(path):
    """The final text of a project file, from reference/."""
    return (REFERENCE / path).read_text(encoding="utf-8")


def replace_once(text, old, new):
    """`text` with the single occurrence of `old` replaced; fails loudly otherwise."""
    count = text.count(old)
    if count != 1:
        raise SystemExit(f"make_transcript: expected {old!r} exactly once, found it {count} times")
    return text.replace(old, new)


def line_range(text, needle, before, after):
    """1-based (start, end) lines around the line containing `needle`."""
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if needle in line)
    return index + 1 - before, index + 1 + after


# ---------------------------------------------------------------------------------------
# Versions of files that differ from reference/.

# Instruction 1 writes __init__.py with only its docstring and version; instruction 5
# exports the public API with an edit_file anchored on the version line.
INIT_FINAL = ref("shortener/__init__.py")
VERSION_LINE = '__version__ = "0.1.0"\n'
INIT_V1 = INIT_FINAL[: INIT_FINAL.index(VERSION_LINE) + len(VERSION_LINE)]
INIT_EXPORTS = INIT_FINAL[len(INIT_V1):]
assert INIT_EXPORTS.strip(), "reference __init__.py must export the API after the version line"

# THE DELIBERATE BUG (instruction 2): a link should expire at the instant now == expires_at;
# the buggy comparison lets it live one second longer. tests/test_service.py catches it.
SERVICE_FINAL = ref("shortener/service.py")
CORRECT_EXPIRY = "        return link.expires_at is not None and self.now() >= link.expires_at\n"
BUGGY_EXPIRY = "        return link.expires_at is not None and self.now() > link.expires_at\n"
SERVICE_BUGGY = replace_once(SERVICE_FINAL, CORRECT_EXPIRY, BUGGY_EXPIRY)
assert SERVICE_BUGGY != SERVICE_FINAL


# ---------------------------------------------------------------------------------------
# The transcript builder.

class Transcript:
    def __init__(self):
        self.lines = []
        self.next_call = 1
        self.base_tokens = SYSTEM_AND_TOOLS_TOKENS + tokens(SPEC.read_text(encoding="utf-8"))
        self.context_tokens = 0  # what this context added after its base messages
        self.summaries_tokens = 0
        self.marks = []  # (line number, label) for the context report
        self.growth = []  # per line: (summaries and manifest, this context) in tokens

    def new_context(self, label):
        self.context_tokens = 0
        self.marks.append((len(self.lines) + 1, label))

    def respond(self, content, *calls, result_tokens=0):
        """One assistant message with tool calls (name, arguments) in order."""
        tool_calls = []
        for name, arguments in calls:
            tool_calls.append({"id": f"call_{self.next_call}", "name": name, "arguments": arguments})
            self.next_call += 1
        completion = tokens(content) + 4 + sum(
            4 + tokens(call["name"]) + tokens(compact(call["arguments"])) for call in tool_calls)
        self._emit({"content": content, "tool_calls": tool_calls, "finish_reason": "tool_calls"},
                   completion)
        self.context_tokens += completion + len(tool_calls) * TOOL_RESULT_TOKENS + result_tokens

    def summarize(self, content):
        """A progress summary: no tool calls; l2mac restarts the context with it."""
        self._emit({"content": content, "finish_reason": "stop"}, tokens(content) + 4)
        self.context_tokens = tokens(content) + 4

    def finish_instruction(self, summary):
        self.summaries_tokens += tokens(summary) + 40  # summary plus a manifest entry or two

    def _emit(self, response, completion):
        self.growth.append((self.summaries_tokens, self.context_tokens))
        response["usage"] = {
            "prompt_tokens": self.base_tokens + self.summaries_tokens + self.context_tokens,
            "completion_tokens": completion,
        }
        self.lines.append({"response": response})


def write(path, content=None):
    return ("write_file", {"path": path, "content": ref(path) if content is None else content})


def step_complete(summary):
    return ("step_complete", {"summary": summary})


# ---------------------------------------------------------------------------------------
# The story, in the order l2mac asks.

# The spec's features, as the planner extracts them (the spec's own ids kept).
REQUIREMENTS = [
    {"id": "F1", "text": "shorten(url, alias=None, ttl=None) stores a link under a base62 code "
                         "of a never-repeating sequence, or under a free alias."},
    {"id": "F2", "text": "Only absolute http(s) URLs of at most 2048 characters; aliases of 3-32 "
                         "characters from A-Z a-z 0-9 _ -, not 'shorten' or 'stats'; positive "
                         "whole-second TTLs."},
    {"id": "F3", "text": "resolve(code) returns the target URL; an unknown code raises "
                         "LinkNotFoundError."},
    {"id": "F4", "text": "Each successful resolve counts a click; stats(code) and links() report "
                         "the links."},
    {"id": "F5", "text": "A link with a TTL expires from the instant now >= created_at + ttl; "
                         "the clock is injectable."},
    {"id": "F6", "text": "Links, clicks and the sequence persist in SQLite and the store is "
                         "safe to use from several threads."},
    {"id": "F7", "text": "The HTTP API: POST /shorten, GET /<code>, GET /stats/<code>, JSON "
                         "errors with the spec's status codes."},
    {"id": "F8", "text": "The CLI: python -m shortener with shorten, resolve, stats, list and "
                         "serve; errors on stderr with status 1."},
]

PLAN = [
    {"id": "1", "depends_on": [], "covers": ["F1", "F2"], "text": (
        "Create the package skeleton with the short-code and validation layers. Write "
        "shortener/__init__.py (a module docstring and __version__ = \"0.1.0\" only), "
        "shortener/errors.py (ShortenerError and its subclasses InvalidURLError, "
        "InvalidAliasError, InvalidTTLError, AliasTakenError, LinkNotFoundError and "
        "LinkExpiredError; the validation errors also derive from ValueError), "
        "shortener/codes.py (base62 encode/decode over the alphabet 0-9a-zA-Z, F1), "
        "shortener/validation.py (validate_url, validate_alias and validate_ttl implementing "
        "F2), tests/conftest.py (puts the project root on sys.path), tests/test_codes.py and "
        "tests/test_validation.py.")},
    {"id": "2", "depends_on": ["1"], "covers": ["F1", "F3", "F4", "F5", "F6"], "text": (
        "Implement persistence and the service rules. Write shortener/store.py: a frozen "
        "Link dataclass (code, url, created_at, expires_at, clicks) and a thread-safe "
        "LinkStore over sqlite3 with next_sequence(), add() (AliasTakenError on a duplicate "
        "code), get(), add_click() and all() (F6). Write shortener/service.py: "
        "ShortenerService(store, clock=time.time) with shorten() (generated base62 codes "
        "that skip codes taken by aliases, or a validated alias; F1, F2), resolve() counting "
        "clicks (F3, F4), stats() and links() (F4), and expiry from the instant "
        "now >= expires_at (F5). Test them in tests/test_store.py (reopening a database file, "
        "concurrent use) and tests/test_service.py (with a fake clock, including the exact "
        "expiry boundary).")},
    {"id": "3", "depends_on": ["2"], "covers": ["F7"], "text": (
        "Add the HTTP API of F7 in shortener/http_api.py on http.server: "
        "make_server(service, host, port, base_url=None, log_requests=False) returning a "
        "ThreadingHTTPServer subclass that serves POST /shorten, GET /<code> (302 redirect "
        "that counts a click) and GET /stats/<code>, with JSON error answers and the status "
        "codes of F7 (400, 404, 405, 409, 410, 411, 413). Test every route and error answer "
        "in tests/test_http_api.py, with the server on port 0 in a background thread.")},
    {"id": "4", "depends_on": ["3"], "covers": ["F8"], "text": (
        "Add the command line of F8: shortener/cli.py with build_parser() and "
        "main(argv) -> exit status for the commands shorten, resolve, stats, list and serve, "
        "--db defaulting to $SHORTENER_DB or shortener.db, and errors printed as "
        "'error: ...' on stderr with status 1; shortener/__main__.py so that "
        "python -m shortener works. Test it in tests/test_cli.py, including one run of "
        "python -m shortener in a subprocess.")},
    {"id": "5", "depends_on": ["3", "4"], "text": (
        "Finish the project: export the public API (ShortenerService, LinkStore, Link and "
        "the errors) from shortener/__init__.py, write README.md documenting every CLI "
        "command, the HTTP API with curl examples, the library API and how to run the tests "
        "(see the Documentation section of the spec), then run the whole test suite.")},
]

SUMMARY_1 = (
    "Package skeleton done. shortener/__init__.py (docstring, __version__ only); "
    "shortener/errors.py: ShortenerError with InvalidURLError, InvalidAliasError, "
    "InvalidTTLError (these three also ValueError), AliasTakenError, LinkNotFoundError, "
    "LinkExpiredError; shortener/codes.py: ALPHABET, encode(int) -> str, decode(str) -> int "
    "(ValueError on bad codes, TypeError on non-ints); shortener/validation.py: "
    "MAX_URL_LENGTH = 2048, RESERVED_ALIASES, validate_url/validate_alias/validate_ttl "
    "(return the value or raise). tests/conftest.py puts the root on sys.path; "
    "tests/test_codes.py and tests/test_validation.py pass.")

SUMMARY_2 = (
    "Store and service done. shortener/store.py: Link(code, url, created_at, "
    "expires_at=None, clicks=0) frozen dataclass; LinkStore(path=':memory:') with a lock, "
    "usable as a context manager: next_sequence(), add(link) (AliasTakenError on duplicate "
    "code), get(code) -> Link | None, add_click(code), all() in creation order, close(). "
    "shortener/service.py: ShortenerService(store, clock=time.time) with now(), "
    "shorten(url, alias=None, ttl=None) -> Link, is_expired(link) (now >= expires_at), "
    "resolve(code) -> url (counts a click; LinkNotFoundError / LinkExpiredError), "
    "stats(code) -> dict, links(). tests/test_store.py and tests/test_service.py pass.")
# The second, passing step_complete of instruction 2 also reports the fix.
SUMMARY_2_FIXED = SUMMARY_2 + (
    " Fixed an off-by-one in is_expired (it used >) found by "
    "test_F5_link_expires_exactly_ttl_seconds_after_creation.")

# CONTEXT SUMMARY (instruction 3): l2mac asks for it before the third call of instruction 3,
# because the two writes above filled the context window; the lead tunes the demo's context
# window so that the restart falls exactly here.
PROGRESS_SUMMARY_3 = (
    "Progress summary: wrote shortener/http_api.py (module docstring listing the routes; "
    "MAX_BODY_BYTES = 16 KiB; status_for(error) mapping service errors to 400/409/404/410; "
    "HTTPError(status, message, headers); ShortenerServer(ThreadingHTTPServer) with "
    "service, base_url, log_requests and request_queue_size = 128; make_server(service, "
    "host='127.0.0.1', port=8000, base_url=None, log_requests=False); "
    "ShortenerRequestHandler with POST /shorten -> 201, GET /<code> -> 302 Location, "
    "GET /stats/<code> -> 200, 405 with Allow for HEAD/PUT/PATCH/DELETE, 411 and 413 for "
    "bad bodies, JSON {\"error\": ...} answers) and tests/test_http_api.py (a start_server "
    "fixture on port 0 in a thread with a fake clock, a call() helper over http.client, "
    "tests covering every route, error status and concurrent shortening). Remaining: re-read "
    "the top of shortener/http_api.py to check its docstring matches the routes, then call "
    "step_complete; the gate runs the whole suite.")

SUMMARY_3 = (
    "HTTP API done. shortener/http_api.py: make_server(service, host='127.0.0.1', "
    "port=8000, base_url=None, log_requests=False) -> ShortenerServer (ThreadingHTTPServer; "
    "attributes service, base_url, log_requests); routes POST /shorten (201 {code, "
    "short_url, url, expires_at}), GET /<code> (302), GET /stats/<code> (200); errors as "
    "JSON {\"error\"} with 400/404/405/409/410/411/413; status_for(error), MAX_BODY_BYTES. "
    "The caller runs serve_forever() and must call shutdown() and server_close(). "
    "tests/test_http_api.py covers every route and error answer.")

SUMMARY_4 = (
    "CLI done. shortener/cli.py: DEFAULT_DB = 'shortener.db', build_parser(), "
    "main(argv=None) -> int with --db (default $SHORTENER_DB) and the commands shorten "
    "URL [--alias] [--ttl], resolve CODE, stats CODE (JSON), list (code\\tclicks\\turl), "
    "serve [--host] [--port] [--base-url]; service errors print 'error: ...' to stderr and "
    "return 1, an unopenable database too. shortener/__main__.py calls sys.exit(main()). "
    "tests/test_cli.py covers every command, the errors and python -m shortener.")

SUMMARY_5 = (
    "Project finished. shortener/__init__.py now exports ShortenerService, LinkStore, Link "
    "and every error class (__all__). README.md documents the CLI commands, the HTTP API "
    "with a route table and curl examples, the library API, the module layout and how to "
    "run the tests. The whole suite (test_codes, test_validation, test_store, "
    "test_service, test_http_api, test_cli) passes.")


def build():
    t = Transcript()

    # Planning: one call.
    t.new_context("planning")
    t.respond("", ("submit_plan", {"requirements": REQUIREMENTS, "instructions": PLAN}))

    # Instruction 1: skeleton, codes, validation.
    t.new_context("instruction 1")
    t.respond("Starting from the store's current contents.", ("list_files", {}))
    t.respond(
        "The store is empty. Writing the package skeleton, the base62 codes and the "
        "validation rules.",
        write("shortener/__init__.py", INIT_V1),
        write("shortener/errors.py"),
        write("shortener/codes.py"),
        write("shortener/validation.py"),
        write("tests/conftest.py"),
    )
    t.respond(
        "Now the tests for codes and validation, then a test run.",
        write("tests/test_codes.py"),
        write("tests/test_validation.py"),
        ("run_tests", {}),
        result_tokens=30,
    )
    t.respond("All tests pass.", step_complete(SUMMARY_1))
    t.finish_instruction(SUMMARY_1)

    # Instruction 2: store and service; the first step_complete fails the gate.
    t.new_context("instruction 2")
    t.respond(
        "Writing the SQLite store and its tests.",
        write("shortener/store.py"),
        write("tests/test_store.py"),
    )
    t.respond(
        "Now the service (F1, F3-F5) and its tests.",
        write("shortener/service.py", SERVICE_BUGGY),  # THE DELIBERATE BUG
        write("tests/test_service.py"),
        step_complete(SUMMARY_2),
        result_tokens=GATE_FAILURE_TOKENS,
    )
    start, end = line_range(SERVICE_BUGGY, "def is_expired", 0, 2)
    t.respond(
        "test_F5_link_expires_exactly_ttl_seconds_after_creation and "
        "test_F4_stats_report_every_field fail: a link is still served at exactly "
        "created_at + ttl. Reading is_expired.",
        ("read_file", {"path": "shortener/service.py", "start_line": start, "end_line": end}),
        result_tokens=tokens("\n".join(SERVICE_BUGGY.splitlines()[start - 1:end])),
    )
    t.respond(
        "The comparison is off by one: F5 says the link expires at the instant "
        "now >= expires_at, but the code uses >. Fixing it.",
        ("edit_file", {"path": "shortener/service.py", "search": BUGGY_EXPIRY,
                       "replace": CORRECT_EXPIRY}),
        step_complete(SUMMARY_2_FIXED),
    )
    t.finish_instruction(SUMMARY_2_FIXED)

    # Instruction 3: the HTTP API; the context restarts after the two large writes.
    t.new_context("instruction 3")
    t.respond("Writing the HTTP API module.", write("shortener/http_api.py"))
    t.respond("Now the tests for every route and error answer.", write("tests/test_http_api.py"))
    t.summarize(PROGRESS_SUMMARY_3)  # CONTEXT SUMMARY: the restart falls here
    t.marks.append((len(t.lines) + 1, "instruction 3 after the restart"))
    t.respond(
        "Continuing after the summary: checking the module header, then finishing.",
        ("read_file", {"path": "shortener/http_api.py", "start_line": 1, "end_line": 40}),
        step_complete(SUMMARY_3),
        result_tokens=tokens("\n".join(ref("shortener/http_api.py").splitlines()[:40])),
    )
    t.finish_instruction(SUMMARY_3)

    # Instruction 4: the CLI.
    t.new_context("instruction 4")
    t.respond(
        "Writing the command line, the __main__ entry point and their tests.",
        write("shortener/cli.py"),
        write("shortener/__main__.py"),
        write("tests/test_cli.py"),
        ("run_tests", {"paths": ["tests/test_cli.py"]}),
        result_tokens=30,
    )
    t.respond("The CLI tests pass.", step_complete(SUMMARY_4))
    t.finish_instruction(SUMMARY_4)

    # Instruction 5: exports, README and a full test run.
    t.new_context("instruction 5")
    t.respond(
        "Exporting the public API, writing the README, then running the whole suite.",
        ("edit_file", {"path": "shortener/__init__.py", "search": VERSION_LINE,
                       "replace": VERSION_LINE + INIT_EXPORTS}),
        write("README.md"),
        ("run_tests", {}),
        result_tokens=40,
    )
    t.respond("All tests pass.", step_complete(SUMMARY_5))
    t.finish_instruction(SUMMARY_5)
    return t


# ---------------------------------------------------------------------------------------
# Checks.

def fail(message):
    raise SystemExit(f"make_transcript: {message}")


def replay(lines):
    """Applies the file-changing calls in order; yields (line number, files) at every
    step_complete, which is the snapshot the gate checks."""
    files = {}
    for number, line in enumerate(lines, start=1):
        for call in line["response"].get("tool_calls", []):
            name, args = call["name"], call["arguments"]
            if name == "write_file":
                files[args["path"]] = args["content"]
            elif name == "edit_file":
                current = files.get(args["path"])
                if current is None:
                    fail(f"line {number}: edit_file of missing {args['path']}")
                if current.count(args["search"]) != 1:
                    fail(f"line {number}: edit_file search must match {args['path']} once, "
                         f"matches {current.count(args['search'])} times")
                files[args["path"]] = current.replace(args["search"], args["replace"])
            elif name == "delete_file":
                files.pop(args["path"])
            elif name == "step_complete":
                yield number, dict(files)


def reference_files():
    skip = {"__pycache__", ".pytest_cache"}
    return {
        path.relative_to(REFERENCE).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(REFERENCE.rglob("*"))
        if path.is_file() and not skip.intersection(path.parts)
    }


def check(text):
    lines = [json.loads(line) for line in text.splitlines()]
    ids = [c["id"] for line in lines for c in line["response"].get("tool_calls", [])]
    if len(ids) != len(set(ids)):
        fail("tool-call ids are not unique")
    for number, line in enumerate(lines, start=1):
        calls = line["response"].get("tool_calls", [])
        names = [c["name"] for c in calls]
        if "step_complete" in names and names[-1] != "step_complete":
            fail(f"line {number}: step_complete must be the last call of its message")
        if not calls and line["response"]["finish_reason"] != "stop":
            fail(f"line {number}: a response without tool calls must finish with 'stop'")
    snapshots = list(replay(lines))
    final = snapshots[-1][1]
    expected = reference_files()
    if final != expected:
        differing = sorted(p for p in set(final) | set(expected) if final.get(p) != expected.get(p))
        fail(f"replayed store differs from reference/ in: {', '.join(differing)}")
    return lines, snapshots


def run_gate(files, python):
    """The demo gate's checks on a materialized snapshot: syntax of every .py, then pytest.
    Returns (passed, pytest output)."""
    with tempfile.TemporaryDirectory(prefix="url_shortener_gate_") as root:
        for path, content in files.items():
            target = Path(root, path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        for path in files:
            if path.endswith(".py"):
                try:
                    py_compile.compile(str(Path(root, path)), doraise=True)
                except py_compile.PyCompileError as error:
                    return False, str(error)
        result = subprocess.run(
            [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            cwd=root, capture_output=True, text=True, timeout=300,
        )
        return result.returncode == 0, result.stdout + result.stderr


def verify(snapshots, python):
    # Every gate passes except the first step_complete of instruction 2 (the bug).
    expected_failures = 1
    failures = 0
    for number, files in snapshots:
        passed, output = run_gate(files, python)
        tail = output.strip().splitlines()[-1] if output.strip() else ""
        buggy = files.get("shortener/service.py") == SERVICE_BUGGY
        print(f"  gate at line {number:2}: {'pass' if passed else 'FAIL'}  ({tail})")
        if buggy:
            failures += 1
            if passed:
                fail(f"line {number}: the buggy service passed its tests; the bug is not caught")
            for test in ("test_F5_link_expires_exactly_ttl_seconds_after_creation",
                         "test_F4_stats_report_every_field"):  # named in the model's next message
                if f"FAILED tests/test_service.py::{test}" not in output:
                    fail(f"line {number}: {test} did not report the bug")
            print(f"    failure report: {len(output)} bytes of pytest output "
                  f"(usage assumed {GATE_FAILURE_TOKENS} tokens = {GATE_FAILURE_TOKENS * 4} bytes)")
        elif not passed:
            fail(f"line {number}: gate should pass but failed:\n{output}")
    if failures != expected_failures:
        fail(f"expected {expected_failures} failing gate, saw {failures}")


def context_report(transcript):
    """Tokens each context adds after its base messages, before every model call: what the
    lead needs to tune the context window so that only instruction 3 restarts."""
    print("context growth (tokens after the base messages, before each call):")
    print(f"  (base: system prompt, tools and spec ~{transcript.base_tokens} tokens)")
    marks = dict(transcript.marks)
    for number, (line, (summaries, context)) in enumerate(
            zip(transcript.lines, transcript.growth), start=1):
        if number in marks:
            print(f"  -- {marks[number]}")
        calls = [c["name"] for c in line["response"].get("tool_calls", [])] or ["(summary)"]
        print(f"  line {number:2}: summaries ~{summaries:4}  this context ~{context:5}  "
              f"-> {', '.join(calls)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--verify", action="store_true",
                        help="run the gate's checks on every step_complete snapshot")
    parser.add_argument("--python", default="/usr/bin/python3",
                        help="interpreter with pytest for --verify (default: %(default)s)")
    parser.add_argument("--report", action="store_true", help="print the context growth table")
    args = parser.parse_args()

    transcript = build()
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in transcript.lines)
    lines, snapshots = check(text)
    TRANSCRIPT.write_text(text, encoding="utf-8")
    print(f"wrote {TRANSCRIPT.name}: {len(lines)} responses, {len(text.encode())} bytes, "
          f"{len(snapshots)} step_complete calls; replay equals reference/")
    if args.report:
        context_report(transcript)
    if args.verify:
        verify(snapshots, args.python)
        print("verified: every gate behaves as the story says")


if __name__ == "__main__":
    main()
