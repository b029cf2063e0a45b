"""A stand-in for a model server, to check the evaluation's plumbing without a model.

Answers OpenAI chat completions on 127.0.0.1 with canned values: the right facts of
the first posting (p01) for job-posting requests and of the first ticket (t01) for
triage requests, as a tool call when the request sends tools, as content otherwise
(in a Markdown fence when it asks for no JSON format). With --bad-replies N, the
first N replies of every conversation break a rule (overall_confidence 1.5, or a
5-character reasoning): 1 makes each extraction take one re-ask, 4 or more exhausts
pluck's and instructor's 3 re-asks. A request with "stream": true gets the same reply
as server-sent chat.completion.chunk events. Prints "ready PORT" when it listens.

Usage: python eval/stub_server.py [--port N] [--bad-replies N]
"""

from __future__ import annotations

import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

POSTING = {
    "job_title": "Senior Software Engineer",
    "company_name": "TechCorp",
    "experience_level": "senior",
    "salary": {"min_amount": 150000, "max_amount": 200000, "currency": "USD"},
    "skills": [
        {"name": "Python", "is_required": True},
        {"name": "Kubernetes", "is_required": True},
        {"name": "AWS", "is_required": True},
        {"name": "Terraform", "is_required": False},
    ],
    "categories": [{"label": "engineering", "confidence": 0.9, "evidence": "Designs and runs services."}],
    "overall_confidence": 0.9,
    "missing_fields": [],
}
TICKET = {
    "reasoning": "The whole team is locked out after a deployment, with a client demo in two hours.",
    "priority": "critical",
    "category": "account",
}


class Handler(BaseHTTPRequestHandler):
    bad_replies = 0

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class names it
        pass

    def reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - the base class names it
        if self.path.rstrip("/").endswith("/models"):
            self.reply(200, {"object": "list", "data": [{"id": "stub-model", "object": "model"}]})
        else:
            self.reply(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:  # noqa: N802 - the base class names it
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self.reply(404, {"error": {"message": "not found"}})
            return
        request = json.loads(raw)
        triage = "reasoning" in raw.decode() and "priority" in raw.decode()
        value = dict(TICKET if triage else POSTING)
        earlier = sum(m.get("role") == "assistant" for m in request.get("messages", []))
        if earlier < self.bad_replies:
            if triage:
                value["reasoning"] = "short"
            else:
                value["overall_confidence"] = 1.5
        arguments = json.dumps(value)
        if request.get("tools"):
            name = request["tools"][0]["function"]["name"]
            call = {"id": "call_stub", "type": "function", "function": {"name": name, "arguments": arguments}}
            message, finish = {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"
        elif request.get("response_format"):
            message, finish = {"role": "assistant", "content": arguments}, "stop"
        else:
            message, finish = {"role": "assistant", "content": f"Here it is:\n```json\n{arguments}\n```"}, "stop"
        prompt, completion = len(raw) // 4, len(arguments) // 4
        usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
        if request.get("stream"):
            self.stream(request, message, finish, usage if request.get("stream_options", {}).get("include_usage") else None)
            return
        self.reply(
            200,
            {
                "id": "chatcmpl-stub",
                "object": "chat.completion",
                "created": 1_700_000_000,
                "model": request.get("model", "stub-model"),
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": usage,
            },
        )

    def stream(self, request: dict, message: dict, finish: str, usage: dict | None) -> None:
        """`message` as chat.completion.chunk events of 16 characters each."""
        model = request.get("model", "stub-model")

        def event(delta: dict, finish_reason: str | None = None, **more: object) -> bytes:
            chunk = {"id": "chatcmpl-stub", "object": "chat.completion.chunk", "model": model, **more}
            chunk["choices"] = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish_reason}]
            return f"data: {json.dumps(chunk)}\n\n".encode()

        calls = message.get("tool_calls")
        text = calls[0]["function"]["arguments"] if calls else message["content"]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        if calls:
            head = {"index": 0, "id": calls[0]["id"], "type": "function", "function": {"name": calls[0]["function"]["name"], "arguments": ""}}
            self.wfile.write(event({"role": "assistant", "tool_calls": [head]}))
        else:
            self.wfile.write(event({"role": "assistant", "content": ""}))
        for start in range(0, len(text), 16):
            piece = text[start : start + 16]
            delta = {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]} if calls else {"content": piece}
            self.wfile.write(event(delta))
        self.wfile.write(event({}, finish))
        if usage is not None:
            self.wfile.write(event(None, usage=usage))
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 (the default) picks a free port")
    parser.add_argument("--bad-replies", type=int, default=0, help="break a rule in the first N replies of each conversation")
    args = parser.parse_args()
    Handler.bad_replies = args.bad_replies
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"ready {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
