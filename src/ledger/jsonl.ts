/**
 * The ledger as JSON lines, one entry a line, for run records and resume. Loading validates every
 * line and keeps ids (so parent links survive): it must start at the target ledger's current count.
 *
 * Each line carries the dump format version `v`, which says which content hash its `hash` is:
 * 2 (current) is written now; a line without `v` is version 1, written before the hash ran in four
 * lanes (see internal/hash.ts). Both load; the loaded entries are hashed anew.
 */
import { z } from 'zod';
import { DelmError } from '../errors.js';
import { CONTENT_HASH_VERSION, contentHashOfText } from '../internal/hash.js';
import { ENTRY_KINDS, type ContextLedger, type LedgerEntry, type LedgerWriter } from './types.js';

/** The dump format version written now (lines without one are version 1). */
export const DUMP_VERSION = CONTENT_HASH_VERSION;

const EntryLineSchema = z
  .object({
    v: z.number().int().min(1).optional(),
    id: z.number().int().min(0),
    kind: z.enum(ENTRY_KINDS),
    level: z.union([z.literal(0), z.literal(1), z.literal(2)]),
    text: z.string(),
    taskId: z.number().int(),
    authorId: z.number().int(),
    parentId: z.number().int().min(-1),
    tokenCount: z.number().int().min(0),
    expiresAt: z.number(),
    hash: z.number().int().min(0),
    timestamp: z.number(),
    meta: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** One entry as a dump line (without the newline), stamped with {@link DUMP_VERSION}. */
export function entryLine(entry: LedgerEntry): string {
  return JSON.stringify({ v: DUMP_VERSION, ...entry });
}

/** One JSON line per entry, in id order (entries [from, to)). */
export function* ledgerLines(ledger: ContextLedger, from = 0, to = ledger.count): Generator<string> {
  for (const entry of ledger.slice(from, to)) yield entryLine(entry);
}

/** The whole ledger as JSON lines (newline-terminated). */
export function dumpJsonl(ledger: ContextLedger): string {
  let out = '';
  for (const line of ledgerLines(ledger)) out += `${line}\n`;
  return out;
}

/** Appends the entries of a JSON-lines dump to `writer`; errors name the line (1-based) and what is wrong. */
export function loadJsonl(text: string, writer: LedgerWriter, source = 'ledger.jsonl'): LedgerEntry[] {
  const loaded: LedgerEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (!raw) continue;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      throw new DelmError('INVALID_ARGUMENT', `${source}:${i + 1}: not valid JSON (${(error as Error).message})`);
    }
    const parsed = EntryLineSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new DelmError('INVALID_ARGUMENT', `${source}:${i + 1}: field "${issue.path.join('.')}": ${issue.message}`);
    }
    const e = parsed.data;
    const version = e.v === undefined || e.v === 1 ? 1 : e.v === DUMP_VERSION ? DUMP_VERSION : undefined;
    if (version === undefined)
      throw new DelmError(
        'INVALID_ARGUMENT',
        `${source}:${i + 1}: dump format version ${e.v} is newer than this delm reads (1 to ${DUMP_VERSION})`,
      );
    if (contentHashOfText(e.text, version) !== e.hash)
      throw new DelmError('LEDGER_CORRUPT', `${source}:${i + 1}: text does not match its hash (edited by hand?)`);
    if (e.id !== writer.count)
      throw new DelmError(
        'INVALID_ARGUMENT',
        `${source}:${i + 1}: entry id ${e.id} out of order (expected ${writer.count})`,
      );
    const entry = writer.append({
      kind: e.kind,
      level: e.level,
      text: e.text,
      taskId: e.taskId,
      authorId: e.authorId,
      ...(e.parentId >= 0 ? { parentId: e.parentId } : {}),
      tokenCount: e.tokenCount,
      expiresAt: e.expiresAt,
      timestamp: e.timestamp,
      ...(e.meta ? { meta: e.meta } : {}),
    });
    loaded.push(entry);
  }
  return loaded;
}
