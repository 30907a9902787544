#!/usr/bin/env python3
"""An independent, correct Launcelot server: the seed's server_poll loop done right.

Python 3.11 standard library only: `selectors` and non-blocking sockets. Written from the spec
(spec/rules.json), not from impl-node or impl-bun, so the conformance suite has a control that
shares no code with our two servers. The broken Python servers in this folder (all but the
blocking one_at_a_time.py) subclass `Connection` and override exactly one method each.

What it does, rule by rule:
- FRAME-1..4: a question is the bytes up to and including the first '?'; SP HT CR LF where a
  question would start are skipped; any split of the input gives the same replies.
- ANSWER-1/2, UNKNOWN-1/2: exact table answers, in order, pipelining allowed; unknown questions get
  "I don't know that." and the stream stays in sync.
- LIMIT-QUESTION-1/2: questions up to Q bytes (default 4096) are answered; past Q the owed replies,
  then "Your question is too long.", then close (with a lingering drain so no RST eats the reply).
- FLOW-1/2/3: held output per connection; EVENT_READ is dropped while it exceeds H (default
  256 KiB) and input is not even framed then; partial send() keeps the rest, in order.
- HALF-1/2: after the client's FIN every owed reply is sent, an unfinished question is dropped.
- RESET-1, ROBUST-1: a reset closes only that connection.
- IDLE-1/2/3: a connection is idle while nothing arrives and nothing of its held output is
  accepted; closed after --idle-timeout seconds (default 60), checked once a second.
- CONN-2: past --max-connections (default 10000) a new connection is closed at once.
- SHUTDOWN-1: SIGTERM/SIGINT stops accepting, sends owed replies, closes, exits 0 within 10 s.
  `--on-sigterm exit` gives SIGTERM its default action (the process dies at once, as most simple
  servers do) and `--on-sigterm ignore` ignores it: the two ways a correct server can break only
  SHUTDOWN-1, for the suite's own tests.

Usage: python3 correct.py --port P [--table FILE] [--idle-timeout S] [--max-connections N]
                          [--max-question BYTES] [--high-water BYTES]
                          [--on-sigterm graceful|exit|ignore]
Prints "listening on 127.0.0.1:PORT" once listening. Binds 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import errno
import json
import re
import selectors
import signal
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

UNKNOWN_REPLY = b"I don't know that."
TOO_LONG_REPLY = b"Your question is too long."
SEPARATOR_RUN = re.compile(rb"[ \t\r\n]*")
READ_SIZE = 65536
LINGER_SECONDS = 2.0
SHUTDOWN_SECONDS = 10.0
SWEEP_SECONDS = 1.0
ACCEPT_BATCH = 64
DEFAULT_TABLE = Path(__file__).resolve().parents[4] / "fixtures" / "tables" / "canonical.json"


@dataclass(frozen=True)
class Limits:
    max_question: int = 4096
    high_water: int = 256 * 1024
    idle_timeout: float = 60.0
    max_connections: int = 10000


def load_table(path: str) -> dict[bytes, bytes]:
    """Read a question table file: {"name", "entries": [{"question", "answer"}, ...]}."""
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    return {entry["question"].encode("utf-8"): entry["answer"].encode("utf-8") for entry in document["entries"]}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Launcelot server (conformance control)")
    parser.add_argument("--port", type=int, default=1060)
    parser.add_argument("--table", default=str(DEFAULT_TABLE))
    parser.add_argument("--max-question", type=int, default=4096)
    parser.add_argument("--high-water", type=int, default=256 * 1024)
    parser.add_argument("--idle-timeout", type=float, default=60.0)
    parser.add_argument("--max-connections", type=int, default=10000)
    parser.add_argument("--on-sigterm", choices=["graceful", "exit", "ignore"], default="graceful")
    return parser.parse_args(argv)


class Connection:
    """One client: unframed input, held output, and the flags that decide when it closes."""

    def __init__(self, server: Server, sock: socket.socket) -> None:
        self.server = server
        self.sock = sock
        self.limits = server.limits
        self.table = server.table
        self.inbuf = bytearray()  # bytes received but not yet framed (at most one read + Q)
        self.out = bytearray()  # held output: replies not yet accepted by send()
        self.eof = False  # no more input: the client's FIN arrived, or shutdown stopped reading
        self.fin = False  # the client's FIN arrived
        self.closing = False  # the too-long reply is the last thing this connection sends
        self.lingering = False  # write side shut; draining input until FIN or the deadline
        self.linger_deadline = 0.0
        self.closed = False
        self.events = 0
        self.last_active = time.monotonic()

    # --- protocol -------------------------------------------------------------------------

    def answer_for(self, question: bytes) -> bytes:
        return self.table.get(question, UNKNOWN_REPLY)

    def over_high_water(self) -> bool:
        return len(self.out) > self.limits.high_water

    def process_input(self) -> None:
        """Frame and answer complete questions while the held output is at or below H."""
        buf = self.inbuf
        pos = 0
        limit = self.limits.max_question
        while not self.closing and not self.over_high_water():
            match = SEPARATOR_RUN.match(buf, pos)
            pos = match.end() if match else pos
            if pos == len(buf):
                break
            end = buf.find(b"?", pos, pos + limit)
            if end < 0:
                if len(buf) - pos > limit:
                    self.question_too_long()
                break
            self.out += self.answer_for(bytes(buf[pos : end + 1]))
            pos = end + 1
        del buf[:pos]

    def question_too_long(self) -> None:
        self.out += TOO_LONG_REPLY
        self.inbuf.clear()
        self.closing = True

    # --- events ---------------------------------------------------------------------------

    def on_event(self, mask: int) -> None:
        if self.closed:
            return
        if mask & selectors.EVENT_READ:
            self.on_readable()
        if mask & selectors.EVENT_WRITE and not self.closed:
            self.on_writable()
        if not self.closed:
            self.update_interest()

    def on_readable(self) -> None:
        try:
            data = self.sock.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.release()  # RESET-1: ECONNRESET and friends end only this connection
            return
        if self.lingering:
            if not data:
                self.release()
            return
        if not data:
            self.on_eof()
            return
        self.last_active = time.monotonic()
        self.inbuf += data
        self.process_input()

    def on_eof(self) -> None:
        self.eof = True
        self.fin = True
        self.process_input()
        self.maybe_finish()

    def on_writable(self) -> None:
        try:
            sent = self.sock.send(self.out)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self.release()
            return
        if sent:
            del self.out[:sent]
            self.last_active = time.monotonic()
        self.process_input()
        self.maybe_finish()

    def maybe_finish(self) -> None:
        """Close once nothing is owed: after FIN (or shutdown), or after the too-long reply."""
        if self.closed or self.out or self.lingering:
            return
        if self.closing:
            self.start_linger()
        elif self.eof:
            self.inbuf.clear()  # HALF-2: an unfinished question gets no reply
            if self.fin:
                self.release()
            else:
                self.start_linger()  # shutdown: the client has not sent FIN yet

    def start_linger(self) -> None:
        """Shut the write side, then read and discard until FIN, so close() sends no RST."""
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self.release()
            return
        self.lingering = True
        self.linger_deadline = time.monotonic() + LINGER_SECONDS

    def stop_reading_for_shutdown(self) -> None:
        self.eof = True
        self.process_input()
        self.maybe_finish()
        if not self.closed:
            self.update_interest()

    def wants_read(self) -> bool:
        if self.lingering:
            return True
        return not self.eof and not self.closing and not self.over_high_water()

    def update_interest(self) -> None:
        events = 0
        if self.wants_read():
            events |= selectors.EVENT_READ
        if self.out and not self.lingering:
            events |= selectors.EVENT_WRITE
        if events == self.events:
            return
        selector = self.server.selector
        if self.events == 0:
            selector.register(self.sock, events, self.on_event)
        elif events == 0:
            selector.unregister(self.sock)
        else:
            selector.modify(self.sock, events, self.on_event)
        self.events = events

    def sweep(self, now: float) -> None:
        if self.lingering:
            if now >= self.linger_deadline:
                self.release()
        elif now - self.last_active > self.limits.idle_timeout:
            self.release()  # IDLE-2: idle past I; unfinished question and unread output dropped

    def release(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.events:
            self.server.selector.unregister(self.sock)
            self.events = 0
        self.sock.close()
        self.server.forget(self)


class Server:
    def __init__(self, table: dict[bytes, bytes], limits: Limits, port: int, connection_class: type[Connection]) -> None:
        self.table = table
        self.limits = limits
        self.connection_class = connection_class
        self.selector = selectors.DefaultSelector()
        self.connections: set[Connection] = set()
        self.shutting_down = False
        self.shutdown_deadline = 0.0
        self.accept_paused_until = 0.0
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", port))
        self.listener.listen(1024)
        self.listener.setblocking(False)
        self.selector.register(self.listener, selectors.EVENT_READ, self.on_accept)
        self.listening = True
        self.wake_read, self.wake_write = socket.socketpair()
        self.wake_read.setblocking(False)
        self.wake_write.setblocking(False)
        self.selector.register(self.wake_read, selectors.EVENT_READ, self.on_wake)
        self.signalled = False

    @property
    def port(self) -> int:
        return self.listener.getsockname()[1]

    def install_signals(self, on_sigterm: str = "graceful") -> None:
        signal.set_wakeup_fd(self.wake_write.fileno(), warn_on_full_buffer=False)
        sigterm = {"graceful": self.on_signal, "exit": signal.SIG_DFL, "ignore": signal.SIG_IGN}[on_sigterm]
        signal.signal(signal.SIGTERM, sigterm)
        signal.signal(signal.SIGINT, self.on_signal)

    def on_signal(self, _signum: int, _frame: object) -> None:
        self.signalled = True

    def on_wake(self, _mask: int) -> None:
        try:
            while self.wake_read.recv(512):
                pass
        except (BlockingIOError, InterruptedError):
            pass

    def on_accept(self, _mask: int) -> None:
        for _ in range(ACCEPT_BATCH):
            try:
                sock, _address = self.listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:
                if error.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    self.pause_accepting()  # out of descriptors: retry in a second, don't spin
                return
            if len(self.connections) >= self.limits.max_connections:
                sock.close()  # CONN-2: past the limit, closed at once without reading
                continue
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = self.connection_class(self, sock)
            self.connections.add(connection)
            connection.update_interest()

    def pause_accepting(self) -> None:
        if self.listening:
            self.selector.unregister(self.listener)
            self.listening = False
            self.accept_paused_until = time.monotonic() + SWEEP_SECONDS

    def forget(self, connection: Connection) -> None:
        self.connections.discard(connection)

    def begin_shutdown(self) -> None:
        self.shutting_down = True
        self.shutdown_deadline = time.monotonic() + SHUTDOWN_SECONDS
        if self.listening:
            self.selector.unregister(self.listener)
            self.listening = False
        self.listener.close()
        for connection in list(self.connections):
            connection.stop_reading_for_shutdown()

    def sweep(self, now: float) -> None:
        for connection in list(self.connections):
            connection.sweep(now)
        if not self.listening and not self.shutting_down and now >= self.accept_paused_until:
            self.selector.register(self.listener, selectors.EVENT_READ, self.on_accept)
            self.listening = True

    def run(self) -> None:
        next_sweep = time.monotonic() + SWEEP_SECONDS
        while True:
            if self.signalled and not self.shutting_down:
                self.begin_shutdown()
            if self.shutting_down and (not self.connections or time.monotonic() >= self.shutdown_deadline):
                break
            busy = self.connections or not self.listening
            timeout = max(0.0, next_sweep - time.monotonic()) if busy else None
            for key, mask in self.selector.select(timeout):
                key.data(mask)
            now = time.monotonic()
            if now >= next_sweep:
                self.sweep(now)
                next_sweep = now + SWEEP_SECONDS
        for connection in list(self.connections):
            connection.release()


def main(connection_class: type[Connection] = Connection, argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    limits = Limits(
        max_question=args.max_question,
        high_water=args.high_water,
        idle_timeout=args.idle_timeout,
        max_connections=args.max_connections,
    )
    server = Server(load_table(args.table), limits, args.port, connection_class)
    server.install_signals(args.on_sigterm)
    print(f"listening on 127.0.0.1:{server.port}", flush=True)
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
