/**
 * The DeLM protocol as the swarm runs it (the default `protocol: 'delm'`): versioned prompt
 * templates, a budgeted digest of the ledger, sources unfolded on demand, evidence-checked
 * verification (deterministic checks, then an optional model judge, then redundancy), and a final
 * decision with citations. Every hook but `plan` runs inside a worker thread; this module registers
 * the offline model's protocol skills in each thread that loads it.
 */
import { z } from 'zod';
import { DelmError } from '../../errors.js';
import type { LedgerEntryInput } from '../../ledger/types.js';
import { countTokens } from '../../providers/tokenizer.js';
import {
  defineProtocol,
  NO_TASKS,
  type AgentIO,
  type Decision,
  type ProposalEnvelope,
  type ProtocolVerdict,
  type RunTask,
  type StepResult,
  type UnfoldedDetail,
} from '../kit/protocol.js';
import { buildDigest, type Digest, type DigestOptions } from '../kit/digest.js';
import { acceptedEntry, answerWithCitations, proposalLabels, rejectedEntry } from '../kit/entry.js';
import { looksLikeInstruction } from '../kit/checks.js';
import { viewOf, type LedgerView } from '../kit/ledger-view.js';
import { PROTOCOL_SKILLS } from './offline/register.js';
import { labelsMentioned } from '../kit/prompt-reader.js';
import { agentStepPrompt } from '../kit/prompts/agent-step.js';
import { decompositionPrompt } from '../kit/prompts/decomposition.js';
import { finalDecisionPrompt } from '../kit/prompts/final-decision.js';
import { judgePrompt } from '../kit/prompts/judge.js';
import { ChoicesSchema, type PromptDocument, type PromptTemplate } from '../kit/prompts/template.js';
import { precheck, witnessedSources, type IdentifiedSources } from '../kit/precheck.js';
import { CAPS, ProposalSchema, type Proposal } from '../kit/schemas.js';
import { deterministicChecks, verifyProposal } from '../kit/verify.js';
import { promptAsSources } from '../kit/long-prompt.js';
import { warmSources } from '../kit/text.js';
import { evidenceLookup } from '../../tools/evidence.js';
import { extend } from '../../internal/extend.js';

/**
 * What a run may tune through `RunTask.meta.delm`; everything has a default. Stored with the task in
 * the ledger, so every worker reads the same values.
 */
export const DelmRunSettingsSchema = z
  .object({
    /** Digest an agent reads before each step. */
    digestTokens: z.number().int().positive().max(100_000).default(1_500),
    digestEntries: z.number().int().positive().max(1_000).default(24),
    /** Digest the final agent decides from. */
    finalDigestTokens: z.number().int().positive().max(200_000).default(8_000),
    finalDigestEntries: z.number().int().positive().max(5_000).default(400),
    /** Share of a gist's content terms its quotes must contain. */
    supportThreshold: z.number().min(0).max(1).default(0.5),
    /** Term overlap at which a finding repeats one on the same sources. */
    redundancyThreshold: z.number().min(0).max(1).default(0.8),
  })
  .strict();
/** Resolved per-run settings of the DeLM protocol. */
export type DelmRunSettings = z.output<typeof DelmRunSettingsSchema>;

/** What the DeLM protocol reads of `RunTask.meta` (other keys are left to workloads). */
export const DelmTaskMetaSchema = z
  .object({ choices: ChoicesSchema.optional(), delm: DelmRunSettingsSchema.optional() })
  .loose();

/** Problems with a task's meta for this protocol, as `meta.path: problem` (empty when it is fine). */
export function checkDelmTask(task: RunTask): string[] {
  const parsed = DelmTaskMetaSchema.safeParse(task.meta ?? {});
  return parsed.success ? [] : parsed.error.issues.map((i) => `${['meta', ...i.path].join('.')}: ${i.message}`);
}

// Digest lines repeat from step to step: count each line's tokens once per thread.
const lineTokens = new Map<string, number>();
function cachedCount(text: string): number {
  let n = lineTokens.get(text);
  if (n === undefined) {
    if (lineTokens.size > 50_000) lineTokens.clear();
    lineTokens.set(text, (n = countTokens(text)));
  }
  return n;
}

/** How many of a view's sources the verifier has prepared for its checks (see `prepareChecks`). */
const warmed = new WeakMap<LedgerView, number>();

const settingsCache = new WeakMap<LedgerView, DelmRunSettings>();
function settingsOf(view: LedgerView, ledgerTask: () => Record<string, unknown> | undefined): DelmRunSettings {
  let settings = settingsCache.get(view);
  if (!settings) settingsCache.set(view, (settings = DelmRunSettingsSchema.parse(ledgerTask()?.delm ?? {})));
  return settings;
}

function setup(io: { ledger: AgentIO['ledger'] }): { view: LedgerView; settings: DelmRunSettings } {
  const view = viewOf(io.ledger);
  return { view, settings: settingsOf(view, () => (io.ledger.count > 0 ? io.ledger.get(0).meta : undefined)) };
}

/**
 * The sources a proposal's checks read: the ledger's raw sources, identified by entry id and content
 * hash, then the tool results it carries whose text matches their hash, identified by that hash.
 */
function sourcesOf(
  view: LedgerView,
  proposal: ProposalEnvelope,
  toolResults = evidenceLookup(proposal.toolResults),
): IdentifiedSources {
  const toolHash = new Map((proposal.toolResults ?? []).map((r) => [r.label, r.hash]));
  return {
    source: (label) => view.source(label) ?? toolResults.get(label),
    identity(label) {
      const entry = view.sources.get(label);
      if (entry) return `#${entry.id}:${entry.hash}`;
      return toolResults.has(label) ? `tool:${toolHash.get(label)}` : undefined;
    },
  };
}

function digestOf(view: LedgerView, options: DigestOptions): Digest {
  return buildDigest(view.level0, { countTokens: cachedCount, ...options });
}

/** Asks `template` and returns its validated object. */
async function ask<I, O>(
  io: AgentIO,
  template: PromptTemplate<I, O>,
  input: I,
  context: { role: string; taskId?: number },
): Promise<O> {
  const reply = await io.model.complete({
    system: template.system,
    messages: [{ role: 'user', content: template.render(input) }],
    schema: template.schema,
    schemaName: template.schemaName,
    signal: io.signal,
    context: extend(context, { agentId: io.agentId }),
  });
  if (reply.object === undefined)
    throw new DelmError('MALFORMED_OUTPUT', `${template.id} returned no structured output`);
  return reply.object;
}

/** The source labels a sub-task names (at most one unfold's worth), read without a model call. */
function namedSources(view: LedgerView, payload: string): string[] {
  return labelsMentioned(payload, [...view.sources.keys()]).slice(0, CAPS.unfoldPerStep);
}

/** Most labels an agent's prompt lists as unfoldable: listing every source would grow each prompt with the run. */
const UNFOLDABLE_LABELS = 24;

/**
 * The labels an agent is shown as unfoldable: those its digest cites, then its own sources' siblings
 * (other chunks of the same document), capped; the rest are counted, not listed.
 */
function unfoldableFor(view: LedgerView, digest: string, shown: ReadonlySet<string>): string[] {
  const all = [...view.sources.keys()].filter((l) => !shown.has(l));
  const cited = labelsMentioned(digest, all);
  const documents = new Set([...shown].map((l) => l.split('.')[0]));
  const siblings = all.filter((l) => documents.has(l.split('.')[0]));
  const listed = [...new Set([...cited, ...siblings, ...all])].slice(0, UNFOLDABLE_LABELS);
  return all.length > listed.length ? [...listed, `(and ${all.length - listed.length} more sources)`] : listed;
}

/** The detail behind a label: a source's raw text, or for `#id` the entry it unfolds into. */
function detailOf(io: AgentIO, view: LedgerView, label: string): string {
  const source = view.sources.get(label);
  if (source) return source.text;
  const id = /^#(\d+)$/.exec(label)?.[1];
  if (id !== undefined && Number(id) < io.ledger.count) {
    const entry = io.ledger.get(Number(id));
    return (io.ledger.unfold(entry.id) ?? entry).text;
  }
  return `(nothing is labelled ${label}; unfoldable labels are the sources and #ids of ledger entries)`;
}

/** A source's title as the task gave it (the baselines' prompts show it too), for a prompt's document section. */
function titleOf(view: LedgerView, label: string): { title?: string } {
  const title = view.sources.get(label)?.meta?.title;
  return typeof title === 'string' && title ? { title } : {};
}

/** The DeLM protocol (see the module comment). */
export const protocol = defineProtocol<Digest, unknown, LedgerEntryInput>({
  name: 'delm',
  offlineSkills: PROTOCOL_SKILLS,

  checkTask: checkDelmTask,

  async plan(task, { ledger, model, signal }) {
    const problems = checkDelmTask(task);
    if (problems.length) throw new DelmError('INVALID_ARGUMENT', `task ${problems.join('; ')}`);
    const meta = DelmTaskMetaSchema.parse(task.meta ?? {});
    const settings = DelmRunSettingsSchema.parse(meta.delm ?? {});
    // A prompt too long to repeat in every agent's prompt is read like a source (see long-prompt.ts).
    const long = promptAsSources(
      task.prompt,
      (task.sources ?? []).map((s) => s.label),
    );
    const question = long?.question ?? task.prompt;
    ledger.append({
      kind: 'raw',
      level: 2,
      text: question,
      tokenCount: countTokens(question),
      meta: {
        role: 'task',
        ...(meta.choices ? { choices: meta.choices } : {}),
        delm: settings,
        ...(long ? { promptChars: task.prompt.length } : {}),
      },
    });
    const allSources = [...(task.sources ?? []), ...(long?.sources ?? [])];
    for (const source of allSources) {
      ledger.append({
        kind: 'raw',
        level: 2,
        text: source.text,
        tokenCount: countTokens(source.text),
        meta: { label: source.label, ...(source.title ? { title: source.title } : {}) },
      });
    }
    if (task.subTasks?.length) return task.subTasks;

    const sources = allSources.map((s) => ({
      label: s.label,
      ...(s.title ? { title: s.title } : {}),
      tokens: countTokens(s.text),
    }));
    const reply = await model.complete({
      system: decompositionPrompt.system,
      messages: [
        {
          role: 'user',
          content: decompositionPrompt.render({
            question,
            ...(meta.choices ? { choices: meta.choices } : {}),
            sources,
          }),
        },
      ],
      schema: decompositionPrompt.schema,
      schemaName: decompositionPrompt.schemaName,
      signal,
      context: { role: 'planner' },
    });
    const subTasks = reply.object?.subTasks ?? [{ payload: question }];
    // "Cover every source": a source no sub-task names gets its own, so nothing is silently skipped.
    const covered = new Set(
      subTasks.flatMap((t) =>
        labelsMentioned(
          t.payload,
          sources.map((s) => s.label),
        ),
      ),
    );
    const missed = sources
      .filter((s) => !covered.has(s.label))
      .map((s) => ({ payload: `Read ${s.label} and report what bears on the question.` }));
    return [...subTasks, ...missed];
  },

  async readDigest(io) {
    const { view, settings } = setup(io);
    return digestOf(view, { tokenBudget: settings.digestTokens, maxEntries: settings.digestEntries });
  },

  async step(io, input): Promise<StepResult<unknown>> {
    const { view } = setup(io);
    // The sources a sub-task names are read with its first step: asking the model for them first
    // would cost a call and a prompt without changing what it sees.
    const shown = new Set(input.unfolded.map((u) => u.label));
    const own = input.unfolded.length === 0 ? namedSources(view, input.task.payload).filter((l) => !shown.has(l)) : [];
    const documents: PromptDocument[] = [
      ...own.map((label) => ({ label, text: detailOf(io, view, label), ...titleOf(view, label) })),
      ...input.unfolded.map((u) => ({ label: u.label, text: String(u.detail), ...titleOf(view, u.label) })),
    ];
    for (const d of own) shown.add(d);
    const out = await ask(
      io,
      agentStepPrompt,
      {
        question: view.question,
        ...(view.choices ? { choices: view.choices } : {}),
        subTask: input.task.payload,
        digest: input.digest.text,
        unfoldable: unfoldableFor(view, input.digest.text, shown),
        documents,
        unfoldsLeft: input.unfoldsLeft,
      },
      { role: 'agent', taskId: input.task.taskId },
    );
    if (out.proposals.length > 0 || out.followUps.length > 0) {
      return {
        type: 'propose',
        proposals: out.proposals,
        followUps:
          out.followUps.length === 0
            ? NO_TASKS
            : out.followUps.map((t) => ({
                payload: t.payload,
                ...(t.priority !== undefined ? { priority: t.priority } : {}),
              })),
      };
    }
    const wanted = out.unfold.filter((l) => !shown.has(l));
    if (!out.done && wanted.length > 0 && input.unfoldsLeft > 0)
      return { type: 'unfold', labels: wanted.slice(0, CAPS.unfoldPerStep) };
    return {
      type: 'done',
      result: documents.length
        ? `read ${documents.map((d) => d.label).join(', ')}; nothing to propose`
        : 'nothing to read for this sub-task',
    };
  },

  async unfold(io, _task, labels): Promise<UnfoldedDetail[]> {
    const { view } = setup(io);
    return labels.slice(0, CAPS.unfoldPerStep).map((label) => ({ label, detail: detailOf(io, view, label) }));
  },

  precheck(io, proposal) {
    const { view, settings } = setup(io);
    const parsed = ProposalSchema.safeParse(proposal.body);
    if (!parsed.success) return undefined;
    return precheck(sourcesOf(view, proposal), (lookup) =>
      deterministicChecks(
        parsed.data,
        extend(lookup, { supportThreshold: settings.supportThreshold, countTokens: cachedCount }),
      ),
    );
  },

  prepareChecks(io) {
    const view = viewOf(io.ledger);
    const done = warmed.get(view) ?? 0;
    if (view.sources.size === done) return;
    warmSources([...view.sources.values()].slice(done).map((entry) => entry.text));
    warmed.set(view, view.sources.size);
  },

  async check(io, proposal): Promise<ProtocolVerdict> {
    const { view, settings } = setup(io);
    const judgeModel = io.model;
    // Tool results count as sources only as the agent's host recorded them (text matching its hash).
    const toolResults = evidenceLookup(proposal.toolResults);
    const lookup = sourcesOf(view, proposal, toolResults);
    const witnessed = witnessedSources(proposal.precheck, lookup);
    const result = await verifyProposal(proposal.body, {
      source: (label) => lookup.source(label),
      ...(witnessed ? { witnessed } : {}),
      entries: view.level0,
      supportThreshold: settings.supportThreshold,
      redundancyThreshold: settings.redundancyThreshold,
      countTokens: cachedCount,
      ...(judgeModel
        ? {
            judge: async (p: Proposal, sources: PromptDocument[]) => {
              const reply = await judgeModel.complete({
                system: judgePrompt.system,
                messages: [{ role: 'user', content: judgePrompt.render({ proposal: p, sources }) }],
                schema: judgePrompt.schema,
                schemaName: judgePrompt.schemaName,
                signal: io.signal,
                context: { role: 'judge', taskId: proposal.taskId },
              });
              if (!reply.object) throw new DelmError('MALFORMED_OUTPUT', 'the judge returned no verdict');
              return reply.object;
            },
          }
        : {}),
    });
    const ctx = {
      taskId: proposal.taskId,
      authorId: proposal.agentId,
      parentOf: (label: string) => (view.summaries.get(label) ?? view.sources.get(label))?.id,
    };
    const prechecked = result.prechecked === true;
    if (result.verdict === 'redundant')
      return { verdict: 'duplicate', reason: result.reasons[0] ?? 'already in the ledger', prechecked };
    if (result.verdict === 'reject') {
      const reason = result.reasons.join('; ');
      return { verdict: 'reject', reason, entry: rejectedEntry(proposal.body, result.reasons, ctx) };
    }
    const entry: LedgerEntryInput = acceptedEntry(result.proposal!, ctx);
    // The tool results it rests on are kept as raw sources (once each), so the gist unfolds into them;
    // one that carries planted instructions is not (it stays in the trajectory, out of the ledger).
    const sources = proposalLabels(result.proposal!).flatMap((label): LedgerEntryInput[] => {
      const text = view.sources.has(label) ? undefined : toolResults.get(label);
      if (text === undefined || looksLikeInstruction(text)) return [];
      const tool = proposal.toolResults?.find((r) => r.label === label)?.tool;
      return [{ kind: 'raw', level: 2, text, tokenCount: cachedCount(text), meta: { label, tool, toolResult: true } }];
    });
    return {
      verdict: 'accept',
      reason: 'evidence verified',
      prechecked,
      entry: extend(entry, { tokenCount: cachedCount(entry.text) }),
      ...(sources.length ? { sources } : {}),
    };
  },

  async finalDigest(io) {
    const { view, settings } = setup(io);
    return digestOf(view, {
      tokenBudget: settings.finalDigestTokens,
      maxEntries: settings.finalDigestEntries,
      perKind: {
        gist: settings.finalDigestEntries,
        partial: 64,
        FACT: 64,
        OBSERVED: 64,
        PATCH_SUMMARY: 64,
        failure: 16,
        FAIL: 16,
      },
    });
  },

  async decide(io, input): Promise<Decision> {
    const { view } = setup(io);
    const out = await ask(
      io,
      finalDecisionPrompt,
      {
        question: view.question,
        ...(view.choices ? { choices: view.choices } : {}),
        digest: input.digest.text,
        sources: [...view.sources.keys()],
        round: input.round,
        maxRounds: input.maxRounds,
        mayEnqueue: input.mayEnqueue,
      },
      { role: 'finalizer' },
    );
    if (out.decision === 'more' && input.mayEnqueue)
      return {
        type: 'enqueue',
        tasks: out.subTasks.map((t) => ({
          payload: t.payload,
          ...(t.priority !== undefined ? { priority: t.priority } : {}),
        })),
      };
    if (out.decision === 'more')
      throw new DelmError('MALFORMED_OUTPUT', 'the final agent asked for more work on its last round; it must answer');
    return { type: 'answer', answer: answerWithCitations(out.answer, out.citations) };
  },
});
