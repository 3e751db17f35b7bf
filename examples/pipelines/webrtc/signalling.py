#!/usr/bin/env python3
# liveavatar recipe: WebRTC signalling server and viewer page
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
"""A minimal WebRTC signalling server, Python standard library only.

It serves the viewer page (index.html next to this file) and relays JSON
messages between the two peers, the GStreamer sender (send.py) and the
browser, by HTTP long polling:

  POST /send/ROLE      body: one JSON message from ROLE for the other peer
  GET  /poll/ROLE      the messages waiting for ROLE, as a JSON list; waits
                       up to 20 s (?timeout=S) for the first one; a viewer
                       adds ?session=ID and gets only that session's

ROLE is "sender" or "viewer". The messages are the usual offer / answer /
ICE candidates; the page starts with {"type": "hello"}, and every message
carries the viewer's session id so that a reloaded page does not mix with
the previous one. Long polling instead of WebSockets keeps this to the
standard library; for many viewers use a real signalling service.

  signalling.py [--host 127.0.0.1] [--port 8080]

Then start send.py and open http://HOST:PORT/ in a browser."""

import argparse
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

ROLES = ("sender", "viewer")
MAX_WAIT = 30.0
MAX_BODY = 256 * 1024
MAX_QUEUED = 256


class Mailboxes:
    """Messages waiting for the sender, and for each viewer session, with
    a condition to wait on. A viewer's box is keyed by its session id, so
    the long poll of a page that has gone away cannot take the messages
    meant for the page that replaced it."""

    def __init__(self):
        self.cond = threading.Condition()
        self.boxes = {}

    def put(self, key, msg):
        with self.cond:
            if msg.get("type") == "hello":
                # a new viewer: what was waiting belongs to the old ones
                self.boxes.clear()
            box = self.boxes.setdefault(key, [])
            if len(box) >= MAX_QUEUED:
                del box[0]
            box.append(msg)
            self.cond.notify_all()

    def take(self, key, timeout):
        with self.cond:
            self.cond.wait_for(lambda: self.boxes.get(key), timeout)
            return self.boxes.pop(key, [])

    def give_back(self, key, msgs):
        """Messages taken by a poll whose client went away."""
        with self.cond:
            self.boxes[key] = msgs + self.boxes.get(key, [])
            self.cond.notify_all()


class Handler(BaseHTTPRequestHandler):
    server_version = "liveavatar-signalling/1"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("signalling: " + fmt % args + "\n")

    def reply(self, code, body, ctype="application/json"):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def role(self, prefix):
        parts = urlparse(self.path).path.split("/")
        if len(parts) == 3 and parts[1] == prefix and parts[2] in ROLES:
            return parts[2]
        return None

    def do_GET(self):
        path = urlparse(self.path).path
        if path in ("/", "/index.html"):
            self.reply(200, self.server.page, "text/html; charset=utf-8")
            return
        role = self.role("poll")
        if role is None:
            self.reply(404, '{"error": "not found"}')
            return
        query = parse_qs(urlparse(self.path).query)
        try:
            timeout = min(MAX_WAIT, float(query.get("timeout", ["20"])[0]))
        except ValueError:
            timeout = 20.0
        key = (role, query.get("session", [""])[0] if role == "viewer" else "")
        msgs = self.server.boxes.take(key, max(0.0, timeout))
        try:
            self.reply(200, json.dumps(msgs))
        except OSError:
            self.server.boxes.give_back(key, msgs)

    def do_POST(self):
        role = self.role("send")
        length = int(self.headers.get("Content-Length") or 0)
        if role is None or not 0 < length <= MAX_BODY:
            self.reply(400, '{"error": "POST /send/sender|viewer, JSON body"}')
            return
        try:
            msg = json.loads(self.rfile.read(length))
        except ValueError:
            self.reply(400, '{"error": "body is not JSON"}')
            return
        if not isinstance(msg, dict):
            self.reply(400, '{"error": "message is not an object"}')
            return
        if role == "sender":
            key = ("viewer", str(msg.get("session", "")))
        else:
            key = ("sender", "")
        self.server.boxes.put(key, msg)
        self.reply(200, "{}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1",
                    help="address to listen on (default: loopback only)")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "index.html"), "rb") as f:
        page = f.read()
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.page = page
    server.boxes = Mailboxes()
    server.verbose = args.verbose
    print("signalling: open http://%s:%d/" % server.server_address[:2],
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
