import { describe, expect, it } from '@jest/globals'
import { ByteWriter } from '../../../src/publish/byte-writer.js'

describe('ByteWriter', () => {
  it('holds the UTF-8 of everything written, in order, past its first size', () => {
    const pieces = ['{"a":', JSON.stringify('Grüße 😀 日本'), ',"b":[', 'x'.repeat(5000), ']}']
    const out = new ByteWriter(16)
    for (const piece of pieces) out.write(piece)
    expect(out.bytes().equals(Buffer.from(pieces.join(''), 'utf8'))).toBe(true)
  })

  it('writes nothing for an empty piece and starts empty', () => {
    const out = new ByteWriter(0)
    expect(out.bytes().length).toBe(0)
    out.write('')
    out.write('é')
    expect(out.bytes().toString('utf8')).toBe('é')
  })
})
