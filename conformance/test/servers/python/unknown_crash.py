#!/usr/bin/env python3
"""BROKEN on purpose (seed flaw): an unknown question crashes the whole server.

The one flaw: the answer is looked up with `table[question]`, as the seed's
`dict(lancelot.qa)[question]` does, so a question that is not in the table raises KeyError out of
the event loop and the process dies. Everything else is correct.py.
Must be caught by: UNKNOWN-1 (no reply), ROBUST-1 (the server process ends).
Never run this in production.
"""

import sys

import correct


class UnknownCrashes(correct.Connection):
    def answer_for(self, question: bytes) -> bytes:
        return self.table[question]  # FLAW: KeyError for an unknown question kills the server


if __name__ == "__main__":
    sys.exit(correct.main(UnknownCrashes))
