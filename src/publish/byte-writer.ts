// Text appended as UTF-8 to one growing buffer. A SARIF log of 10 MB built as strings is copied
// twice more by the joins that make it one string, and once more when it is written to a file:
// each copy is garbage the collector must sweep while the findings (and the report strings they
// point at) are alive. Written here, the log exists once, outside the JavaScript heap, as the
// bytes the file and the upload need. Each piece is one native write: callers append whole
// results and rules, not their small parts (a call per part costs more than the copy it saves).

export class ByteWriter {
  private buffer: Buffer
  private used = 0

  constructor(expectedBytes: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(4096, expectedBytes))
  }

  write(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit (a surrogate pair, 2 units, takes 4).
    const most = text.length * 3
    if (this.used + most > this.buffer.length) this.grow(this.used + most)
    this.used += this.buffer.write(text, this.used)
  }

  /** What was written. The buffer is shared: no copy, and no more writes after this. */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.used)
  }

  private grow(needed: number): void {
    const next = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2))
    this.buffer.copy(next, 0, 0, this.used)
    this.buffer = next
  }
}
