import { describe, expect, it } from '@jest/globals'
import {
  formatImageRef,
  imageName,
  isLoopbackRegistry,
  parseImageRef
} from '../../../src/registry/image-ref.js'

const DIGEST = 'sha256:' + 'ab'.repeat(32)

describe('parseImageRef', () => {
  it.each([
    ['alpine', 'docker.io', 'library/alpine', 'latest', undefined],
    ['alpine:3.20', 'docker.io', 'library/alpine', '3.20', undefined],
    ['library/alpine:3.20', 'docker.io', 'library/alpine', '3.20', undefined],
    ['docker.io/alpine', 'docker.io', 'library/alpine', 'latest', undefined],
    ['index.docker.io/library/alpine:edge', 'docker.io', 'library/alpine', 'edge', undefined],
    ['registry-1.docker.io/bitnami/nginx:1', 'docker.io', 'bitnami/nginx', '1', undefined],
    ['bitnami/nginx', 'docker.io', 'bitnami/nginx', 'latest', undefined],
    ['ghcr.io/org/app:v1.2.3', 'ghcr.io', 'org/app', 'v1.2.3', undefined],
    ['ghcr.io/org/team/app', 'ghcr.io', 'org/team/app', 'latest', undefined],
    ['localhost/app', 'localhost', 'app', 'latest', undefined],
    ['localhost:5000/app:dev', 'localhost:5000', 'app', 'dev', undefined],
    ['127.0.0.1:5000/org/app', '127.0.0.1:5000', 'org/app', 'latest', undefined],
    ['Registry.Example.com:443/app:x', 'registry.example.com:443', 'app', 'x', undefined],
    [`ghcr.io/org/app@${DIGEST}`, 'ghcr.io', 'org/app', undefined, DIGEST],
    [`ghcr.io/org/app:v1@${DIGEST}`, 'ghcr.io', 'org/app', 'v1', DIGEST],
    [`alpine@${DIGEST}`, 'docker.io', 'library/alpine', undefined, DIGEST],
    ['  ghcr.io/org/my_app-x.y__z:1  ', 'ghcr.io', 'org/my_app-x.y__z', '1', undefined]
  ])('%s', (input, registry, repository, tag, digest) => {
    expect(parseImageRef(input)).toEqual({ registry, repository, tag, digest })
  })

  it.each([
    ['', /empty/],
    ['ghcr.io/Org/app', /must be lower case/],
    ['Alpine', /must be lower case/],
    ['alpine; rm -rf /', /characters that cannot be/],
    ['alpine$(id)', /characters that cannot be/],
    ['alpine`id`', /characters that cannot be/],
    ['alpine|cat', /characters that cannot be/],
    ['alpine:3.20 --privileged', /characters that cannot be/],
    ['alpine@sha256:abc', /is not a sha256/],
    [`alpine@sha256:${'AB'.repeat(32)}`, /is not a sha256/],
    ['alpine:-bad', /is not a valid tag/],
    ['ghcr.io//app', /not a valid repository path component/],
    ['-bad.example.com/app', /is not a host name/]
  ])('rejects %j', (input, message) => {
    expect(() => parseImageRef(input)).toThrow(message)
  })
})

describe('names', () => {
  it('formats the normalised reference and the name tools see', () => {
    const ref = parseImageRef(`alpine:3.20@${DIGEST}`)
    expect(imageName(ref)).toBe('docker.io/library/alpine')
    expect(formatImageRef(ref)).toBe(`docker.io/library/alpine:3.20@${DIGEST}`)
  })

  it.each([
    ['localhost', true],
    ['localhost:5000', true],
    ['127.0.0.1:41234', true],
    ['127.1.2.3', true],
    ['[::1]:5000', true],
    ['ghcr.io', false],
    ['docker.io', false],
    ['localhost.example.com', false],
    ['10.0.0.1:5000', false]
  ])('isLoopbackRegistry(%s) is %s', (registry, expected) => {
    expect(isLoopbackRegistry(registry)).toBe(expected)
  })
})
