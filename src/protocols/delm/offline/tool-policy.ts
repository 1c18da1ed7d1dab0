/**
 * The offline model's deterministic tool policy for the agent step, so a run with tools goes the
 * whole way with no key: grep the workspace (or the file its sub-task names) for the question's key
 * terms, read a few lines around the best hits, then report evidence from what it read — quoting the
 * results by the labels the host gave them. Not an LLM.
 */
import { callTools, type OfflineToolCalls } from '../../../providers/offline.js';
import type { CompletionRequest, ToolSpec, ToolTurn } from '../../../providers/types.js';
import type { AgentStepOutput, WorkerReport } from '../../kit/schemas.js';
import { termSet } from '../../kit/text.js';
import { questionStem, readPrompt } from '../../kit/prompt-reader.js';
import { findEvidence } from './qa.js';
import { buildQuery } from './rank.js';
import { workerSkill } from './worker.js';

/** Terms in the grep pattern. */
const PATTERN_TERMS = 10;
/** Hits read, and lines read on either side of each. */
const HITS = 3;
const CONTEXT_LINES = 4;

/** A file the sub-task names (`… search gpl-2.0.txt …`), if any. */
function namedFile(subTask: string): string | undefined {
  return /(?:^|\s|`|")([\w./-]+\.(?:txt|md))\b/.exec(subTask)?.[1];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The offered tool that searches and the one that reads, with the names of their inputs: the
 * built-in `grep` / `read_file`, or an MCP server's `search` / `read` (`docs__search`, …) taking
 * `query` or `pattern`, `file` or `path`. Their output has the built-ins' shapes.
 */
interface ToolRoles {
  search?: { name: string; pattern: string; file: string };
  read?: { name: string; file: string };
}

function keysOf(spec: ToolSpec): Set<string> {
  const props = spec.inputSchema.properties;
  return new Set(typeof props === 'object' && props !== null ? Object.keys(props) : []);
}

function toolRoles(tools: readonly ToolSpec[]): ToolRoles {
  const roles: ToolRoles = {};
  const named = (spec: ToolSpec, builtIn: string, ...mcp: string[]) =>
    spec.name === builtIn || mcp.some((m) => spec.name.endsWith(`__${m}`));
  for (const spec of tools) {
    const keys = keysOf(spec);
    const file = keys.has('path') || !keys.has('file') ? 'path' : 'file';
    if (!roles.search && named(spec, 'grep', 'search', 'grep'))
      roles.search = {
        name: spec.name,
        pattern: keys.has('pattern') || !keys.has('query') ? 'pattern' : 'query',
        file,
      };
    else if (!roles.read && named(spec, 'read_file', 'read', 'read_file')) roles.read = { name: spec.name, file };
  }
  return roles;
}

/** The label and verbatim text of a tool result as the host showed it (see toolbox.resultContent). */
export function resultDocument(content: string): { label: string; text: string } | undefined {
  const m = /^\[result (\S+?): [^\n]*\]\n([\s\S]*?)(?:\n\[output cut at \d+ of \d+ bytes\])?$/.exec(content);
  return m ? { label: m[1]!, text: m[2]! } : undefined;
}

interface Hit {
  file: string;
  line: number;
  score: number;
}

function bestHits(grepOutput: string, query: ReadonlyMap<string, number>): Hit[] {
  const hits: Hit[] = [];
  for (const m of grepOutput.matchAll(/^(.+?):(\d+): (.*)$/gm)) {
    const seen = termSet(m[3]!);
    let score = 0;
    for (const [t, w] of query) if (seen.has(t)) score += w;
    if (score > 0) hits.push({ file: m[1]!, line: Number(m[2]), score });
  }
  hits.sort((a, b) => b.score - a.score || a.line - b.line);
  const chosen: Hit[] = [];
  for (const h of hits) {
    if (chosen.length >= HITS) break;
    if (chosen.some((c) => c.file === h.file && Math.abs(c.line - h.line) <= 2 * CONTEXT_LINES)) continue;
    chosen.push(h);
  }
  return chosen;
}

/**
 * The policy's next tool calls for a prompt: a search (`grep`, or an MCP server's `search`) first,
 * then reads (`read_file`, or the server's `read`) around the best hits; undefined once it has read
 * (or may call no tool), when it answers from what it read.
 */
export function nextToolCalls(prompt: string, request: CompletionRequest<unknown>): OfflineToolCalls | undefined {
  const p = readPrompt(prompt);
  const query = buildQuery(questionStem(p.question), p.choices);
  const { search, read } = toolRoles(request.tools ?? []);
  const turns: readonly ToolTurn[] = request.toolTurns ?? [];
  if (request.toolChoice === 'none') return undefined;
  const file = namedFile(p.body('subtask') ?? p.body('instructions') ?? '');
  if (turns.length === 0 && search) {
    const top = [...query.entries()]
      .sort((a, b) => b[1] - a[1] || b[0].length - a[0].length)
      .slice(0, PATTERN_TERMS)
      .map(([t]) => `\\b${escape(t)}`);
    if (top.length)
      return callTools([
        { name: search.name, input: { [search.pattern]: top.join('|'), ...(file ? { [search.file]: file } : {}) } },
      ]);
  }
  const grep = search && turns[0]?.calls[0]?.name === search.name ? turns[0].results[0] : undefined;
  if (turns.length === 1 && grep && !grep.isError && read) {
    const hits = bestHits(resultDocument(grep.content)?.text ?? '', query);
    if (hits.length)
      return callTools(
        hits.map((h) => ({
          name: read.name,
          input: {
            [read.file]: h.file,
            startLine: Math.max(1, h.line - CONTEXT_LINES),
            endLine: h.line + CONTEXT_LINES,
          },
        })),
      );
  }
  return undefined;
}

/** What the step's reads returned, as documents labelled by their results' labels (header line dropped). */
export function documentsRead(request: CompletionRequest<unknown>): Array<{ label: string; text: string }> {
  const reader = toolRoles(request.tools ?? []).read?.name ?? 'read_file';
  return (
    (request.toolTurns ?? [])
      .flatMap((t) => t.results.filter((r, i) => !r.isError && t.calls[i]?.name === reader))
      .flatMap((r) => resultDocument(r.content) ?? [])
      // read_file's first line says which lines these are: quote the file's text, not the header.
      .map((d) => ({ label: d.label, text: d.text.slice(d.text.indexOf('\n') + 1) }))
  );
}

/** The agent step with tools: {@link nextToolCalls}, then the evidence skill on {@link documentsRead}. */
export function toolStepSkill(prompt: string, request: CompletionRequest<unknown>): AgentStepOutput | OfflineToolCalls {
  const calls = nextToolCalls(prompt, request);
  if (calls) return calls;
  const p = readPrompt(prompt);
  const question = questionStem(p.question);
  const ledger = p.body('ledger') ?? '';
  const proposals = documentsRead(request).flatMap((d) =>
    findEvidence(d, question, p.choices, { ledger, perDocument: 1 }),
  );
  return { proposals: proposals.slice(0, 8), unfold: [], followUps: [], done: true };
}

/** The orchestrator's worker with tools: {@link nextToolCalls}, then the worker's report on what it read. */
export function toolWorkerSkill(prompt: string, request: CompletionRequest<unknown>): WorkerReport | OfflineToolCalls {
  return nextToolCalls(prompt, request) ?? workerSkill(prompt, documentsRead(request));
}
