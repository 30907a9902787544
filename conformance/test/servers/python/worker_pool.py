#!/usr/bin/env python3
"""BROKEN on purpose: a pool of 4 worker threads, each serving one client at a time.

The one flaw: a common design that is not event-driven. Accepted connections wait in a queue for
one of 4 threads, which serves its client with blocking sockets until that client leaves (or is
idle past the timeout). Each conversation on its own is correct (it is one_at_a_time.py's loop),
and a few clients at once are served; but 4 idle, trickling or non-reading clients block every
other client.
Must be caught by: FAIR-1 (under many held connections).
Never run this in production.
"""

import errno
import queue
import signal
import socket
import sys
import threading
import time

import correct
import one_at_a_time

WORKERS = 4


def main() -> int:
    args = correct.parse_args()
    limits = correct.Limits(
        max_question=args.max_question,
        high_water=args.high_water,
        idle_timeout=args.idle_timeout,
        max_connections=args.max_connections,
    )
    table = correct.load_table(args.table)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", args.port))
    listener.listen(1024)
    waiting: queue.Queue[socket.socket] = queue.Queue()

    def worker() -> None:
        while True:
            client = waiting.get()
            try:
                one_at_a_time.serve_one(client, table, limits)  # FLAW: one client per thread
            finally:
                client.close()

    for _ in range(WORKERS):
        threading.Thread(target=worker, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"listening on 127.0.0.1:{listener.getsockname()[1]}", flush=True)
    while True:
        try:
            client, _address = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EMFILE, errno.ENFILE):
                raise
            time.sleep(0.1)  # out of descriptors: try again later, without spinning (ROBUST-2)
            continue
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        waiting.put(client)


if __name__ == "__main__":
    sys.exit(main())
