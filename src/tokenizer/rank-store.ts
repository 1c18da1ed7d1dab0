/**
 * A built rank table kept in a file, so a process reads it back (~4 MiB, a few milliseconds)
 * instead of decoding and hashing the ranks again (~0.3 s, on the way to every fresh process's
 * first count). The file is written whole under a temporary name and renamed into place, so a
 * reader sees an old table, a new one or none; what it reads is checked against the table's
 * checksum before any thread sees it. Anything that goes wrong (no directory, no room, a damaged
 * file) just means the table is built as before.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { ensureByteLength } from '../internal/shared-memory.js';
import { RANK_TABLE_HEADER_BYTES, SharedRanks, type RankTableStore } from './shared-ranks.js';

/** Reads `length` bytes at `position` of `fd` into `target`; false when the file is shorter. */
function readFully(fd: number, target: Uint8Array, position: number): boolean {
  for (let done = 0; done < target.length;) {
    const n = readSync(fd, target, done, target.length - done, position + done);
    if (n === 0) return false;
    done += n;
  }
  return true;
}

/** A store that keeps the table in `file`. */
export function fileRankStore(file: string): RankTableStore {
  return {
    read(into) {
      let fd: number;
      try {
        fd = openSync(file, 'r');
      } catch {
        return undefined; // not stored yet (or not readable): built instead
      }
      try {
        const size = fstatSync(fd).size;
        if (size <= RANK_TABLE_HEADER_BYTES) return undefined;
        const buffer = into ?? new SharedArrayBuffer(size);
        if (!ensureByteLength(buffer, size)) return undefined;
        // The header is read apart: the table is published (its state word set) only once checked.
        const header = new Int32Array(RANK_TABLE_HEADER_BYTES / 4);
        if (!readFully(fd, new Uint8Array(header.buffer), 0)) return undefined;
        if (
          !readFully(
            fd,
            new Uint8Array(buffer, RANK_TABLE_HEADER_BYTES, size - RANK_TABLE_HEADER_BYTES),
            RANK_TABLE_HEADER_BYTES,
          )
        )
          return undefined;
        return SharedRanks.adopt(buffer, header);
      } catch {
        return undefined; // damaged, or of another version: built (and stored) again
      } finally {
        closeSync(fd);
      }
    },
    write(ranks) {
      const partial = `${file}.${process.pid}-${threadId}.tmp`;
      try {
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(partial, ranks.bytes);
        renameSync(partial, file);
      } catch {
        try {
          rmSync(partial, { force: true });
        } catch {
          /* nothing more to do: the table is in memory either way */
        }
      }
    },
  };
}
