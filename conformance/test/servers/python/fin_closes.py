#!/usr/bin/env python3
"""BROKEN on purpose (seed flaw): closes the connection at once on the client's FIN.

The one flaw: like the seed's `if not data: sock.close()`, an end-of-file from recv() closes the
socket straight away, throwing away every reply still held for the client (and the questions not
yet framed). A client that sends its last question and half-closes at once loses that reply: the
loop reads the question, queues the reply, and on its next turn reads the FIN before it writes.
Everything else is correct.py.
Must be caught by: HALF-1.
Never run this in production.
"""

import sys

import correct


class FinCloses(correct.Connection):
    def on_eof(self) -> None:
        self.release()  # FLAW: owed replies in self.out are dropped


if __name__ == "__main__":
    sys.exit(correct.main(FinCloses))
