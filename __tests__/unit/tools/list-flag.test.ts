// One value of a list flag reaches the tool as one value: pflag splits string slices as CSV.
import { describe, expect, it } from '@jest/globals'
import { listFlagValue } from '../../../src/tools/list-flag.js'

/** How pflag's string slice reads a flag value: Go's encoding/csv, one record. */
function pflagSplit(value: string): string[] {
  const fields: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < value.length; i++) {
    const c = value[i]
    if (quoted && c === '"' && value[i + 1] === '"') {
      field += '"'
      i++
    } else if (c === '"' && (quoted || field === '')) {
      quoted = !quoted
    } else if (c === ',' && !quoted) {
      fields.push(field)
      field = ''
    } else {
      field += c
    }
  }
  return [...fields, field]
}

describe('listFlagValue', () => {
  it.each([
    'plain/path.json',
    'vex,with,commas.json',
    'a "quoted" name',
    'line\nbreak',
    'org.opencontainers.image.source=https://github.com/acme/api,x'
  ])('keeps %j one value', (value) => {
    expect(pflagSplit(listFlagValue(value))).toEqual([value])
  })

  it('leaves a value without commas or quotes as it is', () => {
    expect(listFlagValue('127.0.0.1:5000/trivy-db:2')).toBe('127.0.0.1:5000/trivy-db:2')
  })
})
