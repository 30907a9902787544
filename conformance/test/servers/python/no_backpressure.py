#!/usr/bin/env python3
"""BROKEN on purpose: never stops reading from a client that does not read its replies.

The one flaw: the high-water mark is never consulted, so the server keeps reading and answering a
client that pipelines questions without reading, and the held output grows without bound (the
client's writes never stall; the server's memory grows with every byte pushed). Partial sends are
still handled correctly, so no byte is lost. Everything else is correct.py.
Must be caught by: FLOW-2 (also RESOURCE-3).
Never run this in production.
"""

import sys

import correct


class NoBackpressure(correct.Connection):
    def over_high_water(self) -> bool:
        return False  # FLAW: held output is never compared with H; reading never stops


if __name__ == "__main__":
    sys.exit(correct.main(NoBackpressure))
