"""A real SMTP server for tests: accepts every message and records its Message-ID.

A message counts as delivered once its final "." has arrived (a real MTA has queued it by
then, whether or not the client lives to read the answer). `answer_delay` holds the "250"
answer back, widening the window in which a killed worker has handed a message over but not
recorded it.
"""

from __future__ import annotations

import socketserver
import threading
import time
from collections import Counter
from email import message_from_bytes


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        try:
            self.reply("220 sink ESMTP")
            while line := self.rfile.readline():
                verb = line.decode(errors="replace").strip().upper()
                if verb.startswith("EHLO"):
                    self.reply("250-sink")
                    self.reply("250 8BITMIME")
                elif verb.startswith("DATA"):
                    self.reply("354 go ahead")
                    self._data()
                elif verb.startswith("QUIT"):
                    self.reply("221 bye")
                    return
                else:  # HELO, MAIL, RCPT, RSET, NOOP
                    self.reply("250 ok")
        except (ConnectionError, OSError):
            return

    def _data(self) -> None:
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        if not line:
            return  # the client went away mid-message: nothing was taken
        self.server.sink.take(message_from_bytes(b"".join(lines))["Message-ID"])
        time.sleep(self.server.sink.answer_delay)
        self.reply("250 queued")


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    sink: SmtpSink


class SmtpSink:
    def __init__(self, *, answer_delay: float = 0.0) -> None:
        self.delivered: Counter[str] = Counter()
        self.answer_delay = answer_delay
        self.lock = threading.Lock()
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.sink = self
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def take(self, message_id: object) -> None:
        with self.lock:
            self.delivered[str(message_id)] += 1

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def count(self) -> int:
        with self.lock:
            return sum(self.delivered.values())

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
