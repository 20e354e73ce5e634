#!/usr/bin/env python3
"""A deliberately slow stand-in for an OpenAI-compatible model server, for screenshots.

It answers POST .../chat/completions with the recorded replies of an l2mac transcript
(`l2mac transcript` JSONL, or a shipped one such as examples/url_shortener/transcript.jsonl),
in order, each after DELAY seconds, as whole (non-streamed) chat completions named MODEL so
that l2mac prices them. A run with the same spec and --context-window makes the same calls in
the same order, so it goes exactly as recorded, only slowly enough to watch.

Usage: slow_model_server.py TRANSCRIPT PORT_FILE [--delay SECONDS] [--model NAME]
It listens on an ephemeral loopback port, writes the port number to PORT_FILE, and serves
until killed. Single-threaded: l2mac makes one call at a time.
"""
import argparse
import http.server
import json
import os
import time


def completion(recorded, index, model):
    """The OpenAI wire form of one recorded response."""
    message = {"role": "assistant", "content": recorded.get("content") or None}
    calls = recorded.get("tool_calls") or []
    if calls:
        message["tool_calls"] = [
            {
                "id": call["id"],
                "type": "function",
                "function": {"name": call["name"], "arguments": json.dumps(call["arguments"])},
            }
            for call in calls
        ]
    usage = recorded.get("usage", {})
    return {
        "id": f"chatcmpl-screenshot-{index}",
        "object": "chat.completion",
        "model": model,
        "choices": [
            {"index": 0, "message": message, "finish_reason": recorded.get("finish_reason", "stop")}
        ],
        "usage": {
            "prompt_tokens": usage.get("prompt_tokens", 0),
            "completion_tokens": usage.get("completion_tokens", 0),
        },
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("transcript")
    parser.add_argument("port_file")
    parser.add_argument("--delay", type=float, default=1.5)
    parser.add_argument("--model", default="gpt-4o-mini")
    args = parser.parse_args()
    with open(args.transcript, encoding="utf-8") as lines:
        replies = [json.loads(line)["response"] for line in lines if line.strip()]
    served = [0]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            self.rfile.read(length)
            index = served[0]
            if not self.path.endswith("/chat/completions") or index >= len(replies):
                body = json.dumps({"error": {"message": "no more recorded replies"}}).encode()
                self.send_response(400 if index >= len(replies) else 404)
            else:
                served[0] += 1
                time.sleep(args.delay)
                body = json.dumps(completion(replies[index], index, args.model)).encode()
                self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *unused):  # quiet: the screenshot shows l2mac's terminal only
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    # Written whole, then renamed: a reader never sees half a number.
    with open(args.port_file + ".tmp", "w", encoding="utf-8") as port_file:
        port_file.write(str(server.server_address[1]))
    os.replace(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
