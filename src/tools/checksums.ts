// Reading a release's checksums file (`<sha256>  <asset>` lines, sha256sum format). One asset listed
// twice with different digests is refused: which line a reader picks would decide what gets
// installed, and the release tools never write such a file.

/**
 * The digest listed for `asset`, or undefined when it is not listed. Throws when the file lists the
 * asset more than once with different digests (the same digest twice is harmless and accepted).
 */
export function findChecksum(checksums: string, asset: string): string | undefined {
  const digests = new Set<string>()
  for (const line of checksums.split(/\r?\n/)) {
    const match = /^([0-9a-fA-F]{64})\s+\*?(\S+)\s*$/.exec(line.trim())
    if (match?.[2] === asset) digests.add((match[1] as string).toLowerCase())
  }
  if (digests.size > 1) {
    throw new Error(
      `it lists ${asset} ${digests.size} times with different SHA-256 values (${[...digests].join(', ')}): ` +
        'an ambiguous checksums file is refused'
    )
  }
  return [...digests][0]
}
