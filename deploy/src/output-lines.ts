/** A child's output as lines: each complete line goes to a callback, the last 8 KiB are kept. */
export class OutputLines {
  private tail = "";
  private partial = "";

  constructor(private readonly onLine: (line: string) => void = () => {}) {}

  add(chunk: Buffer): void {
    const text = chunk.toString("utf8");
    this.tail = (this.tail + text).slice(-8192);
    this.partial += text;
    for (let nl = this.partial.indexOf("\n"); nl !== -1; nl = this.partial.indexOf("\n")) {
      const line = this.partial.slice(0, nl);
      this.partial = this.partial.slice(nl + 1);
      if (line.trim() !== "") this.onLine(line);
    }
  }

  text(): string {
    return this.tail;
  }
}
