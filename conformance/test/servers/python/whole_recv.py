#!/usr/bin/env python3
"""BROKEN on purpose (seed flaw): the whole buffer that contains a '?' is taken as one question.

The one flaw: like the seed's `if '?' in requests[sock]: question = requests.pop(sock)`, once the
bytes received so far contain a '?', all of them (after the leading separators) are looked up as a
single question. Lock-step clients never notice; two questions in one write get one
"I don't know that." instead of two answers. Everything else is correct.py.
Must be caught by: ANSWER-2 (pipelined questions), also FRAME-1.
Never run this in production.
"""

import sys

import correct


class WholeRecv(correct.Connection):
    def process_input(self) -> None:
        start = correct.SEPARATOR_RUN.match(self.inbuf).end()
        del self.inbuf[:start]
        if len(self.inbuf) > self.limits.max_question and b"?" not in self.inbuf:
            self.question_too_long()
        elif b"?" in self.inbuf and not self.closing and not self.over_high_water():
            self.out += self.answer_for(bytes(self.inbuf))  # FLAW: everything received, not up to '?'
            self.inbuf.clear()


if __name__ == "__main__":
    sys.exit(correct.main(WholeRecv))
