// BROKEN on purpose: decodes every read as UTF-8 text on its own.
// The one flaw: each 'data' chunk goes through TextDecoder (not in streaming mode) and is
// re-encoded before framing, as a text-minded server does. A multi-byte character split across
// two reads becomes two U+FFFD, and so does every invalid byte (0x80-0xFF alone), so table
// questions split inside a character get "I don't know that." and questions full of high bytes
// grow threefold (a 2000-byte question becomes "too long"). ASCII in one read works.
// Everything else is base.mjs. Must be caught by: FRAME-4 with fixtures/tables/utf8.json
// (multi-byte characters split across reads), or FRAME-3 / LIMIT-QUESTION-1 with high bytes.
// Never run this in production.
import { Connection, main } from "./base.mjs";

const decoder = new TextDecoder("utf-8");

class DecodesUtf8PerRead extends Connection {
  onData(chunk) {
    super.onData(Buffer.from(decoder.decode(chunk), "utf8")); // FLAW: bytes become text per read
  }
}

main(DecodesUtf8PerRead);
