#!/usr/bin/env python3
"""BROKEN on purpose: sockets are shut down but never closed, leaking a descriptor per client.

The one flaw: when a connection ends, the socket is shut down (the client sees its FIN, so the
conversation looks finished) and unregistered, but it is kept in a list "for statistics" and never
close()d, so every client that leaves keeps one descriptor open in the server process.
Everything else is correct.py.
Must be caught by: RESOURCE-1 (descriptor count after clients leave; launched targets only).
Never run this in production.
"""

import socket
import sys

import correct

finished_sockets: list[socket.socket] = []  # FLAW: grows forever, holding every descriptor


class LeaksDescriptors(correct.Connection):
    def release(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.events:
            self.server.selector.unregister(self.sock)
            self.events = 0
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        finished_sockets.append(self.sock)  # FLAW: no self.sock.close()
        self.server.forget(self)


if __name__ == "__main__":
    sys.exit(correct.main(LeaksDescriptors))
