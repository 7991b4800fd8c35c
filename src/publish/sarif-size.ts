// The gzip size check of a SARIF log against GitHub's upload limit, cheap in the common case.
import { gzipSync } from 'node:zlib'

/** Characters compressed at a time by the fast size check: a few MB of buffers, not the log's size. */
const GZIP_SLICE = 1 << 20

/**
 * The gzip size of `log` when it is over `max`, else 0. A log under the limit uncompressed is
 * under it compressed. A bigger one is compressed at level 1, in 1 MB slices, only until the
 * slices compressed so far plus the rest as it stands (deflate never grows data by more than its
 * block headers) are under the limit: a log just over 10 MB needs one slice. Level 1 is several
 * times faster than the default, takes a few MB of buffers instead of a copy of the log, and is
 * never smaller than the whole at the default level (level 1 finds fewer matches, and none across
 * slices), so under the limit there means under it for the upload too. Only a log near or over the
 * limit pays for the default level, whose size the caller cuts by.
 */
export function gzipSizeOver(log: Buffer, max: number): number {
  if (log.length <= max) return 0
  let fast = 0
  for (let at = 0; at < log.length && fast <= max; at += GZIP_SLICE) {
    fast += gzipSync(log.subarray(at, at + GZIP_SLICE), { level: 1 }).length
    if (fast + storedSize(Math.max(0, log.length - at - GZIP_SLICE)) <= max) return 0
  }
  if (fast <= max) return 0
  const size = gzipSync(log).length
  return size <= max ? 0 : size
}

/** The most that `bytes` of any data take in a gzip stream: stored blocks of at most 64 KiB, each
 * with a 5-byte header, plus the stream's 18 bytes of header and trailer. */
function storedSize(bytes: number): number {
  return bytes + 5 * Math.ceil(bytes / 65_535) + 18
}
