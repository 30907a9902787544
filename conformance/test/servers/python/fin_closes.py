#!/usr/bin/env python3
"""BROKEN on purpose (seed flaw): closes the connection at once on the client's FIN.

The one flaw: like the seed's `if not data: sock.close()`, an end-of-file from recv() closes the
socket straight away, throwing away every reply still held for the client (and the questions not
yet framed). A client that sends its last question and half-closes at once loses that reply: the
loop reads the question, queues the reply, and on its next turn reads the FIN before it writes.
Reads are served before writes (as in the seed), so the replies to the last questions are still
held when the FIN is read. Everything else is correct.py.
Must be caught by: HALF-1.
Never run this in production.
"""

import selectors
import sys

import correct


class FinCloses(correct.Connection):
    def on_event(self, mask: int) -> None:
        # Like the seed's loop, a socket that is readable is read, and written only on a later turn
        # when nothing is left to read; so when the FIN is read, the replies to the last questions
        # are still held (deterministically so behind a client that was not reading).
        if self.closed:
            return
        if mask & selectors.EVENT_READ:
            self.on_readable()
        elif mask & selectors.EVENT_WRITE:
            self.on_writable()
        if not self.closed:
            self.update_interest()

    def on_eof(self) -> None:
        self.release()  # FLAW: owed replies in self.out are dropped


if __name__ == "__main__":
    sys.exit(correct.main(FinCloses))
