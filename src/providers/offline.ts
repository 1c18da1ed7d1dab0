/**
 * The offline model: the embedded default that needs no key and no network. It is NOT an LLM and
 * says so on every result (`notAnLlm`, and its model id). It is a deterministic extractive reasoner:
 * it finds the sentences of the unfolded sources that share the most terms with the task, quotes them
 * verbatim, and answers from the verified findings (for a multiple-choice question, the choice the
 * findings support best). Tokens are counted with the real tokenizer, so usage compares fairly.
 * Skills are chosen by the request's `schemaName`; protocols can register more.
 */
import { MalformedOutputError, ProviderError } from '../errors.js';
import { describeIssues } from '../internal/parse.js';
import { countTokens } from './tokenizer.js';
import { toolTurnText } from './tool-text.js';
import type { CompletionRequest, CompletionResult, LanguageModel } from './types.js';

const SKILLS = Symbol.for('delm.offline.skills');

/** A skill: what the offline model replies to one kind of request (a JSON value for structured output). */
export type OfflineSkill = (prompt: string, request: CompletionRequest<unknown>) => unknown;

/**
 * Every copy of delm in a thread shares one table (a worker runs delm bundled, and a protocol or model
 * module that imports delm loads its unbundled modules beside it): a skill registered through either
 * copy answers the offline model made by the other.
 */
const skills: Map<string, OfflineSkill> = ((globalThis as { [SKILLS]?: Map<string, OfflineSkill> })[SKILLS] ??=
  new Map());

const TOOL_CALLS = Symbol.for('delm.offline.toolCalls');

/** What a skill returns to call tools instead of answering (see {@link callTools}). */
export interface OfflineToolCalls {
  readonly [TOOL_CALLS]: ReadonlyArray<{ readonly name: string; readonly input: unknown }>;
}

/** A skill's reply that calls `calls` (honoured only when the request offers tools and allows calling them). */
export function callTools(calls: ReadonlyArray<{ name: string; input: unknown }>): OfflineToolCalls {
  return { [TOOL_CALLS]: calls };
}

function toolCallsOf(value: unknown): OfflineToolCalls[typeof TOOL_CALLS] | undefined {
  return typeof value === 'object' && value !== null && TOOL_CALLS in value
    ? (value as OfflineToolCalls)[TOOL_CALLS]
    : undefined;
}

/** Adds or replaces the skill used for requests with `schemaName`. */
export function registerOfflineSkill(schemaName: string, skill: OfflineSkill): void {
  skills.set(schemaName, skill);
}

const STOPWORDS = new Set(
  'a an and are as at be by can do does for from has have how in is it its may must not of on or that the their them then there these this those to under was were what when which who will with without would you your'.split(
    ' ',
  ),
);

/** Lower-cased content words, crudely stemmed (plural and -ing/-ed endings). */
export function terms(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])
    .filter((w) => w.length > 2 && !STOPWORDS.has(w))
    .map((w) => w.replace(/(ing|ed|es|s)$/, ''));
}

/** Sentences of `text`, verbatim (so they can be quoted). */
export function sentences(text: string): string[] {
  return (text.match(/[^.!?\n]+[.!?]?/g) ?? []).map((s) => s.trim()).filter((s) => s.length >= 20);
}

/** How many distinct query terms a passage contains, weighted by rarity in the passage set. */
function score(passage: string, query: Set<string>): number {
  const seen = new Set(terms(passage));
  let s = 0;
  for (const t of query) if (seen.has(t)) s += 1;
  return s / Math.sqrt(seen.size + 4);
}

const section = (prompt: string, heading: string): string | undefined =>
  new RegExp(`${heading}:\\s*([^\\n]*)`).exec(prompt)?.[1]?.trim();

/** Choices written as lines `A) …` / `(A) …` / `A. …`. */
function choicesOf(text: string): Array<{ letter: string; text: string }> {
  return [...text.matchAll(/^\s*\(?([A-D])[).:]\s+(.+)$/gm)].map((m) => ({ letter: m[1]!, text: m[2]! }));
}

registerOfflineSkill('plan', (prompt) => {
  const parts = prompt
    .split(/\n+|(?<=[.?!])\s+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return { subTasks: parts.length ? parts.slice(0, 16) : [prompt] };
});

registerOfflineSkill('agent_step', (prompt) => {
  const task = section(prompt, 'Task') ?? '';
  const subTask = section(prompt, 'Your sub-task') ?? '';
  const unfolded = [...prompt.matchAll(/--- (\S+) ---\n([\s\S]*?)(?=\n--- \S+ ---\n|\n\n[A-Z][^\n]*:|$)/g)];
  if (unfolded.length === 0) {
    const label = /source (\S+?)\b/.exec(subTask)?.[1];
    const canUnfold = !prompt.includes('You cannot unfold more');
    if (label && canUnfold) return { findings: [], followUps: [], unfold: [label] };
    return { findings: [], followUps: [], unfold: [], result: 'nothing to read for this sub-task' };
  }
  // The task says what matters; the sub-task is mostly an instruction ("read source D2").
  const query = new Set(terms(task || subTask));
  const findings = [];
  for (const [, label, text] of unfolded) {
    const ranked = sentences(text!)
      .map((s) => ({ s, v: score(s, query) }))
      .filter((x) => x.v > 0)
      .sort((a, b) => b.v - a.v)
      .slice(0, 2);
    if (ranked.length === 0) {
      findings.push({
        text: `${label} has no sentence sharing terms with the task (searched all ${sentences(text!).length} sentences).`,
        quotes: [],
      });
      continue;
    }
    for (const { s } of ranked)
      findings.push({ text: `${label}: "${s.slice(0, 400)}"`, quotes: [{ source: label!, text: s }] });
  }
  return { findings, followUps: [], unfold: [] };
});

registerOfflineSkill('final_decision', (prompt) => {
  const task = /Task: ([\s\S]*?)\n\nVerified findings:/.exec(prompt)?.[1] ?? '';
  const findings = /Verified findings:\n([\s\S]*)$/.exec(prompt)?.[1] ?? '';
  const choices = choicesOf(task);
  if (choices.length >= 2) {
    const evidence = new Set(terms(findings));
    const ranked = choices.map((c) => ({ c, v: score(c.text, evidence) })).sort((a, b) => b.v - a.v);
    const best = ranked[0]!.c;
    return {
      decision: 'answer',
      answer: `The correct answer is (${best.letter}). Offline model (not an LLM): "${best.text}" shares the most terms with the verified findings.`,
    };
  }
  const lines = findings.split('\n').filter(Boolean).slice(0, 5);
  return {
    decision: 'answer',
    answer: lines.length
      ? `Offline model (not an LLM), from the verified findings:\n${lines.join('\n')}`
      : 'Offline model (not an LLM): no verified findings to answer from.',
  };
});

/** Creates the offline model. */
export function createOfflineModel(): LanguageModel {
  return {
    id: 'offline',
    async complete<T>(request: CompletionRequest<T>): Promise<CompletionResult<T>> {
      const started = performance.now();
      if (request.signal?.aborted)
        throw new ProviderError('offline call aborted', 'offline', undefined, false, { code: 'PROVIDER_ERROR' });
      const prompt = request.messages.map((m) => m.content).join('\n\n');
      const skill = skills.get(request.schemaName ?? '');
      let text: string;
      let object: T | undefined;
      let toolCalls: Array<{ id: string; name: string; input: unknown }> | undefined;
      const reply = request.schema && skill ? skill(prompt, request) : undefined;
      const calls = toolCallsOf(reply);
      if (calls) {
        if (!request.tools?.length || request.toolChoice === 'none')
          throw new ProviderError(
            `the offline model's "${request.schemaName}" skill called tools the request does not allow`,
            'offline',
            undefined,
            false,
          );
        const turn = request.toolTurns?.length ?? 0;
        toolCalls = calls.map((c, i) => ({ id: `offline_${turn}_${i}`, name: c.name, input: c.input }));
        text = '';
      } else if (request.schema) {
        if (!skill)
          throw new ProviderError(
            `the offline model (not an LLM) has no skill for "${request.schemaName ?? 'unnamed'}" output; use a real model for it`,
            'offline',
            undefined,
            false,
          );
        const parsed = request.schema.safeParse(reply);
        if (!parsed.success)
          throw new MalformedOutputError(
            `the offline model's "${request.schemaName}" output does not match the schema: ${describeIssues(parsed.error).join('; ')}`,
            '',
          );
        object = parsed.data;
        text = JSON.stringify(object);
      } else {
        const query = new Set(terms(prompt.split('\n')[0] ?? prompt));
        const best = sentences(prompt).sort((a, b) => score(b, query) - score(a, query))[0];
        text = `Offline model (not an LLM): ${best ?? prompt.slice(0, 200)}`;
      }
      return {
        text,
        object,
        ...(toolCalls ? { toolCalls } : {}),
        usage: {
          inputTokens: countTokens(`${request.system ?? ''}\n${prompt}${toolTurnText(request)}`),
          outputTokens: countTokens(toolCalls ? JSON.stringify(toolCalls) : text),
          cachedInputTokens: 0,
        },
        costUsd: 0,
        latencyMs: performance.now() - started,
        model: 'offline',
        notAnLlm: true,
      };
    },
  };
}
