import { describe, expect, it } from '@jest/globals'
import { finalStageFromLine } from '../../../src/publish/dockerfile.js'

describe('finalStageFromLine', () => {
  it('finds the last FROM of a multi-stage build', () => {
    const text = [
      'FROM golang:1.23 AS build',
      'RUN go build',
      '',
      'FROM alpine:3.20',
      'COPY --from=build /app /app'
    ].join('\n')
    expect(finalStageFromLine(text)).toBe(4)
  })

  it('handles lower-case instructions, comments, ARG before FROM and CRLF', () => {
    const text = [
      '# build image',
      'ARG BASE=alpine',
      '# FROM commented:out',
      'from ${BASE}',
      '  # FROM not this',
      'run true'
    ].join('\r\n')
    expect(finalStageFromLine(text)).toBe(4)
  })

  it('counts a continued instruction from its first line', () => {
    const text = [
      'FROM a AS one',
      'RUN apk add \\',
      '  # a comment inside',
      '',
      '    curl',
      'FROM \\',
      '  b',
      'CMD x'
    ].join('\n')
    expect(finalStageFromLine(text)).toBe(6)
  })

  it('does not take a continuation line that starts with FROM for an instruction', () => {
    const text = ['FROM base', 'RUN echo \\', 'FROM not-an-instruction'].join('\n')
    expect(finalStageFromLine(text)).toBe(1)
  })

  it('follows the escape parser directive', () => {
    const text = [
      '# escape=`',
      'FROM mcr.microsoft.com/windows',
      'RUN dir `',
      'FROM x',
      'FROM final'
    ].join('\n')
    expect(finalStageFromLine(text)).toBe(5)
    // After another comment, `escape=` is a plain comment and the backslash stays the escape.
    const late = ['# hello', '# escape=`', 'FROM a', 'RUN dir `', 'FROM b'].join('\n')
    expect(finalStageFromLine(late)).toBe(5)
  })

  it('skips heredoc bodies', () => {
    const text = [
      '# syntax=docker/dockerfile:1',
      'FROM alpine',
      'RUN <<EOF',
      'FROM inside-heredoc',
      'EOF',
      'COPY <<-"END" /x',
      '\tFROM also-inside',
      '\tEND',
      'CMD ["sh"]'
    ].join('\n')
    expect(finalStageFromLine(text)).toBe(2)
  })

  it('returns undefined when there is no FROM', () => {
    expect(finalStageFromLine('')).toBeUndefined()
    expect(finalStageFromLine('# FROM x\nARG A=1\n')).toBeUndefined()
  })
})
