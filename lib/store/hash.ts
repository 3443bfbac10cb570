/**
 * SHA-256 hashing of bytes, files and streams, in process with Node's `crypto` (OpenSSL underneath).
 *
 * Files are read in fixed-size chunks with the next read in flight while the current chunk is hashed,
 * so memory stays constant whatever the file size and the disk and the CPU work at the same time.
 */
import { createHash, type Hash as NodeHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import type { ArtifactRef, Hash } from './types';

/** Bytes read per chunk by `hashFile`. */
const CHUNK_BYTES = 1 << 20;

const HASH_RE = /^sha256:[0-9a-f]{64}$/;

/** Whether a value is a well-formed `sha256:<64 lowercase hex>` hash. */
export function isHash(value: unknown): value is Hash {
  return typeof value === 'string' && HASH_RE.test(value);
}

/** Whether a value is a well-formed artifact reference (`sha256:…` or `tree:sha256:…`). */
export function isArtifactRef(value: unknown): value is ArtifactRef {
  return isHash(value) || (typeof value === 'string' && value.startsWith('tree:') && isHash(value.slice(5)));
}

/** Whether a reference names a directory tree. */
export function isTreeRef(ref: ArtifactRef): ref is `tree:${Hash}` {
  return ref.startsWith('tree:');
}

/** The blob hash a reference points at (the tree listing's hash for a tree). */
export function refHash(ref: ArtifactRef): Hash {
  return (isTreeRef(ref) ? ref.slice(5) : ref) as Hash;
}

/** The 64 hex digits of a hash. */
export function hexOf(hash: Hash): string {
  return hash.slice(7);
}

/** SHA-256 of some bytes (a string is hashed as UTF-8). */
export function hashBytes(data: Uint8Array | string): Hash {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** SHA-256 of a file's content, streamed in constant memory; `onProgress` gets the bytes hashed so far. */
export async function hashFile(path: string, onProgress?: (bytes: number) => void): Promise<Hash> {
  const fh = await open(path, 'r');
  try {
    const h = createHash('sha256');
    const bufs = [Buffer.allocUnsafe(CHUNK_BYTES), Buffer.allocUnsafe(CHUNK_BYTES)];
    let which = 0;
    let position = 0;
    let pending = fh.read(bufs[which], 0, CHUNK_BYTES, position);
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) break;
      const current = bufs[which];
      position += bytesRead;
      which ^= 1;
      // Start the next read before hashing this chunk, so I/O and hashing overlap.
      pending = fh.read(bufs[which], 0, CHUNK_BYTES, position);
      h.update(current.subarray(0, bytesRead));
      onProgress?.(position);
    }
    return `sha256:${h.digest('hex')}`;
  } finally {
    await fh.close();
  }
}

/** A pass-through stream that hashes and counts what flows through it. */
export class HashingStream extends Transform {
  private readonly h: NodeHash = createHash('sha256');
  private count = 0;

  /** Bytes seen so far. */
  public get bytes(): number {
    return this.count;
  }

  /** The SHA-256 of everything that passed; call once the stream has finished. */
  public digest(): Hash {
    return `sha256:${this.h.digest('hex')}`;
  }

  public override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.h.update(chunk);
    this.count += chunk.length;
    done(null, chunk);
  }
}
