#!/usr/bin/env python3
"""BROKEN on purpose: busy-loops while accept() fails for want of descriptors.

The one flaw: when accept() fails with EMFILE (the process is out of descriptors while clients
wait in the listen backlog), the error is ignored and the listening socket stays registered, so
the selector reports it readable again at once: the loop spins at 100% CPU for as long as the
backlog holds a connection. Served again once descriptors free up. Everything else is correct.py.
Must be caught by: ROBUST-2 (no busy loop out of descriptors), when launched with a low
descriptor limit (the suite's --fd-limit).
Never run this in production.
"""

import sys

import correct


class SpinsOnEmfile(correct.Server):
    def pause_accepting(self) -> None:
        pass  # FLAW: keep the listener registered; select() says readable, accept() fails, again


if __name__ == "__main__":
    correct.Server = SpinsOnEmfile  # type: ignore[misc]
    sys.exit(correct.main())
