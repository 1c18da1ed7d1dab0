/**
 * Built-in tool `grep`: lines of workspace files matching a regular expression, capped. The pattern
 * runs on RE2 (re2js, a pure-JavaScript port): matching takes time linear in the text, so a pattern
 * like `(a+)+$` cannot stall the agent's thread (ReDoS). RE2 has no backreferences or lookaround;
 * such a pattern is refused as TOOL_INPUT_INVALID.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { RE2JS } from 're2js';
import { z } from 'zod';
import { ToolError } from '../errors.js';
import { defineTool, type Tool } from '../types.js';
import type { Workspace } from '../workspace.js';
import { needWorkspace } from './list-files.js';

/** Most matching lines one call returns. */
export const GREP_MAX_MATCHES = 100;
/** Files larger than this are skipped, in bytes. */
export const GREP_MAX_FILE_BYTES = 2 * 1024 * 1024;
/** Longest pattern accepted, in characters. */
export const GREP_MAX_PATTERN = 200;
/** A matching line longer than this is cut, in characters. */
const LINE_CHARS = 400;

/** Input of `grep`. */
export interface GrepInput {
  pattern: string;
  path?: string | undefined;
  ignoreCase?: boolean | undefined;
}

async function filesUnder(
  ws: Workspace,
  real: string,
  rel: string,
  out: Array<{ real: string; rel: string }>,
  seen: Set<string>,
): Promise<void> {
  if (seen.has(real)) return;
  seen.add(real);
  const info = await stat(real);
  if (info.isFile()) {
    out.push({ real, rel });
    return;
  }
  if (!info.isDirectory()) return;
  for (const e of (await readdir(real, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const child = path.join(real, e.name);
    const target = e.isSymbolicLink() ? await realpath(child).catch(() => '') : child;
    if (!target || !ws.contains(target)) continue;
    await filesUnder(ws, target, rel === '.' ? e.name : `${rel}/${e.name}`, out, seen);
  }
}

/**
 * `pattern` compiled for RE2; a syntax it lacks (backreferences, lookaround) or a bad pattern is
 * TOOL_INPUT_INVALID. The engine is loaded on first use: every agent thread imports the built-ins,
 * few call grep, and re2js costs about 3 MiB per thread.
 */
export async function compilePattern(pattern: string, ignoreCase: boolean): Promise<RE2JS> {
  const { RE2JS } = await import('re2js');
  try {
    return RE2JS.compile(pattern, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (err) {
    throw new ToolError(
      'TOOL_INPUT_INVALID',
      'grep',
      `grep: invalid regular expression (RE2 syntax: no backreferences or lookaround): ${(err as Error).message}`,
    );
  }
}

/**
 * `grep`: every line matching `pattern` (a regular expression, RE2 syntax) in the files under `path`,
 * as `file:line: text`, at most {@link GREP_MAX_MATCHES}; files over {@link GREP_MAX_FILE_BYTES} are skipped.
 */
export const grepTool: Tool<GrepInput> = defineTool({
  name: 'grep',
  description: `Searches the workspace's text files for lines matching a regular expression (RE2 syntax: like JavaScript's without backreferences or lookaround); prints "file:line: text" for each (at most ${GREP_MAX_MATCHES} lines, long lines cut).`,
  input: z
    .object({
      pattern: z.string().min(1).max(GREP_MAX_PATTERN).describe('regular expression, e.g. "warrant(y|ies)"'),
      path: z.string().max(500).optional().describe('file or folder relative to the workspace; default the root'),
      ignoreCase: z.boolean().optional().describe('default true'),
    })
    .strict(),
  async execute(input, { workspace, signal }) {
    const ws = needWorkspace(workspace, 'grep');
    const re = await compilePattern(input.pattern, input.ignoreCase !== false);
    const start = await ws.resolve(input.path ?? '.', 'grep');
    const files: Array<{ real: string; rel: string }> = [];
    await filesUnder(ws, start.real, start.relative, files, new Set());
    const out: string[] = [];
    let more = 0;
    for (const f of files) {
      signal.throwIfAborted();
      if ((await stat(f.real)).size > GREP_MAX_FILE_BYTES) continue;
      const text = await readFile(f.real, 'utf8');
      if (text.includes('\0')) continue; // binary
      const lines = text.split(/\r?\n/);
      for (let i = 0; i < lines.length; i++) {
        if (!re.test(lines[i]!)) continue;
        if (out.length >= GREP_MAX_MATCHES) more++;
        else
          out.push(
            `${f.rel}:${i + 1}: ${lines[i]!.length > LINE_CHARS ? `${lines[i]!.slice(0, LINE_CHARS)}…` : lines[i]}`,
          );
      }
    }
    if (more) out.push(`(and ${more} more matching lines)`);
    return out.join('\n') || `(no line matches ${input.pattern})`;
  },
});
