#!/usr/bin/env python3
"""BROKEN on purpose: serves one client at a time with blocking sockets (no event loop at all).

The one flaw: the classic iterative server of the book's chapter before server_poll. It accepts a
client and serves it with blocking recv()/sendall() until that client leaves (or idles out), and
only then accepts the next one. Each conversation on its own is correct: framing, separators,
pipelining, unknown reply, question limit, half-close, idle timeout; a client that does not read
simply blocks sendall(), so nothing is buffered without bound. But one idle, slow or non-reading
client stalls every other client.
Must be caught by: FAIR-1.
Never run this in production.
"""

import signal
import socket
import sys

import correct


def serve_one(client: socket.socket, table: dict[bytes, bytes], limits: correct.Limits) -> None:
    client.settimeout(limits.idle_timeout)
    pending = bytearray()
    while True:
        try:
            data = client.recv(correct.READ_SIZE)  # FLAW: blocks the only thread on this client
        except OSError:  # reset or idle timeout
            return
        if not data:
            return  # FIN: every complete question was answered; the unfinished one is dropped
        pending += data
        replies = bytearray()
        pos = 0
        too_long = False
        while True:
            pos = correct.SEPARATOR_RUN.match(pending, pos).end()
            end = pending.find(b"?", pos, pos + limits.max_question)
            if end < 0:
                too_long = len(pending) - pos > limits.max_question
                break
            replies += table.get(bytes(pending[pos : end + 1]), correct.UNKNOWN_REPLY)
            pos = end + 1
        del pending[:pos]
        if too_long:
            replies += correct.TOO_LONG_REPLY
        try:
            client.sendall(replies)
        except OSError:
            return
        if too_long:
            return


def main() -> int:
    args = correct.parse_args()
    limits = correct.Limits(max_question=args.max_question, idle_timeout=args.idle_timeout)
    table = correct.load_table(args.table)
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(1024)
    print(f"listening on 127.0.0.1:{listener.getsockname()[1]}", flush=True)
    while True:
        client, _address = listener.accept()
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            serve_one(client, table, limits)
        finally:
            try:
                client.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            client.close()


if __name__ == "__main__":
    sys.exit(main())
