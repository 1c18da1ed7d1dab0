/**
 * Simultaneous debugging as a swarm protocol (`protocol: 'debug'`): one sub-task per failing test of
 * a workspace. An agent asks its model for a patch, screens it on a private copy by running the
 * target's test file, and proposes either a PATCH_SUMMARY (the target passed) or a FAIL note (so no
 * agent tries it again); after a batch of attempts it enqueues its own continuation. The verifier
 * admits a PATCH_SUMMARY only after applying the patch to an isolated copy and running the whole
 * suite itself: the target must pass and nothing that passed may regress. The final agent merges the
 * admitted patches, runs the whole suite, and either answers with the merged patch or enqueues the
 * tests still failing. The real workspace is never modified. A run with `tools` gets the workspace
 * tools over the run's workspace and `run_tests` (see `run-tests-tool.ts`) in its patch steps.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DelmError } from '../../errors.js';
import type { LedgerEntry, LedgerEntryInput } from '../../ledger/types.js';
import { buildDigest, type Digest } from '../kit/digest.js';
import { acceptedEntry, proposalText } from '../kit/entry.js';
import { viewOf, type LedgerView } from '../kit/ledger-view.js';
import { DEBUG_SKILLS } from './offline/skills.js';
import { CAPS } from '../kit/schemas.js';
import { clip } from '../kit/text.js';
import { verifyProposal } from '../kit/verify.js';
import { countTokens } from '../../providers/tokenizer.js';
import {
  defineProtocol,
  type AgentIO,
  type Decision,
  type ProtocolVerdict,
  type StepResult,
  type UnfoldedDetail,
} from '../kit/protocol.js';
import { attemptFixes } from './attempts.js';
import { RepeatedProposalError } from './errors.js';
import { runTestsTool } from './run-tests-tool.js';
import { parsePatch, patchKey, patchSchema } from '../../workloads/debugging/patch.js';
import { debugAnswer } from '../../workloads/debugging/report.js';
import { targetStatus } from '../../workloads/debugging/scoring.js';
import type { TestRun } from '../../workloads/debugging/test-runner.js';
import { editedTestFiles, isTestFile, knownTestFiles, testEditRefusal } from '../../workloads/debugging/test-files.js';
import { listFailingTests, mergePatches, nothingToFix, verifyPatch } from '../../workloads/debugging/verify.js';
import { installDependencies, loadWorkspace } from '../../workloads/debugging/workspace.js';

/** What a debugging run takes in `RunTask.meta`. */
export const DebugTaskMetaSchema = z.object({
  /** Absolute path of the workspace (a JavaScript project whose tests run with `node --test`). */
  workspace: z.string().min(1),
  debug: z
    .object({
      /** Patches an agent tries in one step before handing the rest to a continuation sub-task. */
      attemptsPerStep: z.number().int().min(1).max(50).default(6),
      /** Patches tried per failing test in the whole run. */
      maxAttempts: z.number().int().min(1).max(1_000).default(80),
      /**
       * Candidates an agent screens at once (each on its own copy, its target's test file in its own
       * process); default {@link defaultScreens}.
       */
      screens: z.number().int().min(1).max(8).optional(),
      /** One test file's time limit: its process group is killed then, and the test it was in fails with reason `timeout`. */
      testTimeoutMs: z.number().int().min(1_000).max(600_000).default(30_000),
      /** A shell command printing TAP, instead of the detected test runner. */
      testCommand: z.string().min(1).optional(),
      /**
       * Times the model may propose again, for one failing test, a patch already rejected (the same
       * edits a FAIL note or a verifier's refusal records, or one its screen just refused) before the
       * sub-task fails with `REPEATED_PROPOSAL`. Each repeat is not run again: the model is told the
       * patch was rejected and why, and asked for another. Counted across a sub-task's continuations.
       */
      maxRepeats: z.number().int().min(1).max(50).default(3),
    })
    .strict()
    .default({ attemptsPerStep: 6, maxAttempts: 80, testTimeoutMs: 30_000, maxRepeats: 3 }),
});
type DebugSettings = z.output<typeof DebugTaskMetaSchema>['debug'];

/**
 * Candidates screened at once when the settings do not say: two for the offline model (a search
 * whose next proposal costs nothing), one for an LLM (each proposal is a paid call, better made
 * knowing how the last one ended).
 */
export const defaultScreens = (model: { readonly id: string }): number => (model.id === 'offline' ? 2 : 1);

/** The test-run options a run's settings ask for. */
export const runOptions = (settings: DebugSettings) => ({
  timeoutMs: settings.testTimeoutMs,
  ...(settings.testCommand ? { testCommand: settings.testCommand } : {}),
});

/** A failing test as the plan stores it (a raw entry labelled `fail:N`). */
const FailureMetaSchema = z.object({
  label: z.string(),
  testId: z.string(),
  testFile: z.string(),
  relatedFiles: z.array(z.string()),
  executedLines: z.record(z.string(), z.string()).optional(),
  executedByTest: z.record(z.string(), z.string()).optional(),
});
type FailureMeta = z.infer<typeof FailureMetaSchema>;

/**
 * What travels beside a proposal: the test it is for and, for a PATCH_SUMMARY, the patch itself; for a
 * FAIL note, the {@link patchKey} of the patch it records, so a later proposal of the same edits is
 * known for a repeat.
 */
const DebugBodySchema = z.object({
  testId: z.string().min(1),
  patch: patchSchema.optional(),
  idea: z.string().max(2_000).optional(),
  patchKey: z.string().max(64).optional(),
});

/** The fields `check` reads before knowing which kind of note a body is. */
const BodyHeadSchema = z.looseObject({ kind: z.unknown(), idea: z.unknown() });

// The label keeps two tests' notes about the same edit apart (the verifier drops exact repeats).
const failNote = (label: string, idea: string) => clip(`${label} ${idea}`, CAPS.noteChars);

interface RunInfo {
  workspace: string;
  settings: DebugSettings;
  failures: Map<string, FailureMeta & { id: number; output: string }>;
}

const runInfo = new WeakMap<LedgerView, RunInfo>();
function infoOf(io: { ledger: AgentIO['ledger'] }): { view: LedgerView; info: RunInfo } {
  const view = viewOf(io.ledger);
  let info = runInfo.get(view);
  if (!info) {
    const meta = DebugTaskMetaSchema.parse(io.ledger.get(0).meta);
    info = { workspace: meta.workspace, settings: meta.debug, failures: new Map() };
    runInfo.set(view, info);
  }
  for (const [label, entry] of view.sources) {
    if (!label.startsWith('fail:') || info.failures.has(label)) continue;
    const meta = FailureMetaSchema.parse(entry.meta);
    info.failures.set(label, { ...meta, id: entry.id, output: entry.text });
  }
  return { view, info };
}

/** Entries that record an attempt on `testId` (FAIL notes and rejected patches), oldest first. */
const attemptsOn = (view: LedgerView, testId: string): LedgerEntry[] =>
  view.level0.filter((e) => (e.kind === 'FAIL' || e.kind === 'failure') && e.meta?.testId === testId);
/**
 * The patches the ledger records as rejected for `testId` (FAIL notes, the verifier's refusals), by
 * {@link patchKey}: which entry, and why (`#12: regresses …`), the newest for each patch.
 */
function rejectedPatches(view: LedgerView, testId: string): Map<string, string> {
  const rejected = new Map<string, string>();
  for (const e of attemptsOn(view, testId)) {
    const key = e.meta?.patchKey;
    if (typeof key !== 'string') continue;
    const reasons = e.meta?.reasons;
    const why = Array.isArray(reasons) && typeof reasons[0] === 'string' ? reasons[0] : e.meta?.reason;
    rejected.set(key, `#${e.id}: ${typeof why === 'string' ? why : e.text}`);
  }
  return rejected;
}
const fixOf = (view: LedgerView, testId: string): LedgerEntry | undefined =>
  view.level0.find((e) => e.kind === 'PATCH_SUMMARY' && e.meta?.testId === testId);

/** The failing test a sub-task names (`fail:N`). */
function failureOf(info: RunInfo, payload: string) {
  const label = /\bfail:\d+\b/.exec(payload)?.[0];
  const failure = label ? info.failures.get(label) : undefined;
  if (!failure)
    throw new DelmError(
      'INVALID_ARGUMENT',
      `debugging sub-task names no known failing test (fail:N): ${clip(payload, 120)}`,
    );
  return failure;
}

/**
 * A sub-task for `failure`. A continuation says how many patches were tried, and how many of its
 * chain's proposals repeated a rejected patch, with the last one's {@link patchKey}.
 */
const subTaskFor = (
  failure: { label: string; testId: string },
  tried: number,
  repeats?: { count: number; key: string },
) =>
  `Make the failing test "${failure.testId}" pass (${failure.label}) without breaking any other test.${tried ? ` Continue after ${tried} tried patches.` : ''}${repeats?.count ? ` ${repeats.count} proposals repeated a rejected patch (last: ${repeats.key}).` : ''}`;

/** The repeats of rejected patches a continuation's payload carries (see {@link subTaskFor}). */
function repeatsIn(payload: string): { count: number; key: string } | undefined {
  const match = /(\d+) proposals repeated a rejected patch \(last: ([0-9a-f]+)\)/.exec(payload);
  return match ? { count: Number(match[1]), key: match[2]! } : undefined;
}

/** Waits (briefly) until the ledger holds at least `count` attempts on `testId`: the verifier admits FAIL notes without running anything. */
async function awaitAttempts(io: AgentIO, testId: string, count: number, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!io.signal.aborted && Date.now() < deadline) {
    const seen = io.ledger.sequence;
    const view = viewOf(io.ledger);
    if (attemptsOn(view, testId).length >= count || fixOf(view, testId)) return;
    await io.ledger.waitForChangeAsync(seen, Math.min(250, deadline - Date.now()));
  }
}

/** The unpatched suite's results as `plan` stored them. */
const BaselineSchema = z.array(
  z.object({
    id: z.string(),
    file: z.string(),
    name: z.string(),
    status: z.enum(['pass', 'fail', 'skip']),
    fileLevel: z.boolean(),
  }),
);

/** The tests `plan` found flaky, by id. */
const FlakySchema = z.array(z.string());

const flakyOf = (io: { ledger: AgentIO['ledger'] }): string[] => FlakySchema.parse(io.ledger.get(0).meta?.flaky ?? []);

/** The workspace's test files: those its runner was found to run, and every file the baseline reported tests from. */
function testFilesOf(io: { ledger: AgentIO['ledger'] }): string[] {
  const meta = io.ledger.get(0).meta;
  const detected = z.array(z.string()).safeParse(meta?.testFiles);
  return knownTestFiles(detected.success ? detected.data : [], BaselineSchema.parse(meta?.baseline ?? []));
}

/** The baseline without its flaky tests, so a flaky test never counts as a regression. */
function baselineOf(io: { ledger: AgentIO['ledger'] }): TestRun {
  const flaky = new Set(flakyOf(io));
  const results = BaselineSchema.parse(io.ledger.get(0).meta?.baseline ?? []).filter((r) => !flaky.has(r.id));
  const count = (s: string) => results.filter((r) => r.status === s).length;
  return {
    results,
    passed: count('pass'),
    failed: count('fail'),
    skipped: count('skip'),
    timedOut: false,
    exitCode: null,
    durationMs: 0,
    output: '',
  };
}

/** The debugging protocol (see the module comment). */
export const protocol = defineProtocol<Digest, unknown, LedgerEntryInput>({
  name: 'debug',
  offlineSkills: DEBUG_SKILLS,

  async plan(task, { ledger }) {
    const parsed = DebugTaskMetaSchema.safeParse(task.meta ?? {});
    if (!parsed.success)
      throw new DelmError(
        'INVALID_ARGUMENT',
        `debugging task meta: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      );
    const ws = await loadWorkspace(parsed.data.workspace, { testCommand: parsed.data.debug.testCommand });
    await installDependencies(ws.dir);
    const { tasks, run, flaky } = await listFailingTests(ws.dir, runOptions(parsed.data.debug));
    if (!tasks.length) throw nothingToFix(ws.dir, run, flaky);
    // The unpatched suite's results travel with the task, so the verifier need not run it again.
    const baseline = run.results.map((r) => ({
      id: r.id,
      file: r.file,
      name: r.name,
      status: r.status,
      fileLevel: r.fileLevel,
    }));
    ledger.append({
      kind: 'raw',
      level: 2,
      text: task.prompt,
      meta: {
        role: 'task',
        workspace: ws.dir,
        debug: parsed.data.debug,
        baseline,
        flaky,
        testFiles: [...ws.testFiles],
      },
    });
    for (const file of [...ws.sourceFiles, ...ws.testFiles]) {
      const text = await readFile(`${ws.dir}/${file}`, 'utf8');
      ledger.append({ kind: 'raw', level: 2, text, tokenCount: countTokens(text), meta: { label: file } });
    }
    return tasks.map((t, i) => {
      const label = `fail:${i + 1}`;
      ledger.append({
        kind: 'raw',
        level: 2,
        text: t.error || '(no failure message)',
        meta: {
          label,
          testId: t.id,
          testFile: t.testFile,
          relatedFiles: [...t.relatedFiles],
          ...(t.executedLines ? { executedLines: { ...t.executedLines } } : {}),
          ...(t.executedByTest ? { executedByTest: { ...t.executedByTest } } : {}),
        },
      });
      return { payload: subTaskFor({ label, testId: t.id }, 0) };
    });
  },

  runTools(ledger) {
    const { info } = infoOf({ ledger });
    return { workspace: info.workspace, tools: [runTestsTool(info.settings)] };
  },

  async readDigest(io, task) {
    const { view, info } = infoOf(io);
    const failure = failureOf(info, task.payload);
    // Everyone's notes, bounded; this test's own attempts are read separately by `step`.
    return buildDigest(view.level0.filter((e) => e.meta?.testId !== failure.testId));
  },

  async step(io, input): Promise<StepResult<unknown>> {
    const { view, info } = infoOf(io);
    const failure = failureOf(info, input.task.payload);
    const before = Number(/after (\d+) tried patches/.exec(input.task.payload)?.[1] ?? 0);
    if (before > 0) await awaitAttempts(io, failure.testId, before);
    const fixed = fixOf(view, failure.testId);
    if (fixed) return { type: 'done', result: `already fixed by #${fixed.id}` };
    // Rejected patches by their edits: a proposal of the same edits again is a repeat, not an attempt.
    const rejected = rejectedPatches(view, failure.testId);
    const repeated = repeatsIn(input.task.payload);
    const maxRepeats = info.settings.maxRepeats;
    // The step before used up the repeats (its real attempts were proposed first, and are in the ledger now).
    if (repeated && repeated.count >= maxRepeats)
      throw new RepeatedProposalError(
        failure.testId,
        repeated.count,
        rejected.get(repeated.key) ?? `patch ${repeated.key}`,
      );

    const testFiles = testFilesOf(io);
    const related = failure.relatedFiles.length
      ? failure.relatedFiles
      : [...view.sources.keys()].filter((l) => !l.startsWith('fail:') && !isTestFile(l, testFiles));
    const files = related.flatMap((path) => {
      const text = view.source(path);
      return text === undefined ? [] : [{ path, text }];
    });
    // Each attempt's full idea (a note's text is clipped), so the model can tell what not to repeat.
    const tried = attemptsOn(view, failure.testId).map(
      (e) => `[#${e.id} FAIL] ${typeof e.meta?.idea === 'string' ? e.meta.idea : e.text.replace(/\s*\n\s*/g, ' ')}`,
    );
    const { attempts, exhausted, unparsed, repeats, lastRepeat } = await attemptFixes({
      model: io.model,
      signal: io.signal,
      workspace: info.workspace,
      failure: {
        testId: failure.testId,
        testFile: failure.testFile,
        output: failure.output,
        testSource: view.source(failure.testFile),
        executedLines: failure.executedLines,
        executedByTest: failure.executedByTest,
        passedBefore: baselineOf(io)
          .results.filter((r) => r.file === failure.testFile && r.status === 'pass')
          .map((r) => r.id),
      },
      files,
      tried,
      context: input.digest.text,
      attempts: Math.min(info.settings.attemptsPerStep, info.settings.maxAttempts - tried.length),
      concurrency: info.settings.screens ?? defaultScreens(io.model),
      testTimeoutMs: info.settings.testTimeoutMs,
      testCommand: info.settings.testCommand,
      testFiles,
      callContext: { role: 'agent', taskId: input.task.taskId },
      describe: (a) => `[FAIL] ${a.proposal.idea}`,
      rejected,
      maxRepeats: maxRepeats - (repeated?.count ?? 0),
    });
    const repeatsSoFar = lastRepeat ? { count: (repeated?.count ?? 0) + repeats, key: lastRepeat.key } : repeated;
    // Nothing new to record and the repeats used up: give the test up now.
    if (lastRepeat && repeatsSoFar!.count >= maxRepeats && attempts.length === 0)
      throw new RepeatedProposalError(failure.testId, repeatsSoFar!.count, lastRepeat.rejection);
    const proposals: unknown[] = attempts.map((a) =>
      a.passes
        ? {
            kind: 'PATCH_SUMMARY',
            files: [...new Set(a.proposal.edits.map((e) => e.file))],
            idea: a.proposal.idea,
            risk: a.proposal.risk || 'not assessed',
            evidence: { quotes: [], tests: [failure.testId], output: a.detail },
            testId: failure.testId,
            patch: a.proposal.edits,
          }
        : {
            kind: 'FAIL',
            text: failNote(failure.label, a.proposal.idea),
            reason: clip(`${failure.testId}: ${a.detail}`, 2 * CAPS.noteChars),
            testId: failure.testId,
            idea: a.proposal.idea,
            patchKey: patchKey(a.proposal.edits),
          },
    );
    // The verifier may refuse the patch (it regressed another test): a continuation keeps searching then, its refusal as evidence.
    if (attempts.at(-1)?.passes) {
      const spent = attemptsOn(view, failure.testId).length + attempts.length;
      return {
        type: 'propose',
        proposals,
        followUps: spent < info.settings.maxAttempts ? [{ payload: subTaskFor(failure, spent, repeatsSoFar) }] : [],
      };
    }
    // The verifier drops exact repeats, so the continuation waits for the distinct notes only.
    const recorded = new Set([
      ...attemptsOn(view, failure.testId).map((e) => e.text),
      ...attempts.map((a) =>
        proposalText({
          kind: 'FAIL',
          text: failNote(failure.label, a.proposal.idea),
          reason: clip(`${failure.testId}: ${a.detail}`, 2 * CAPS.noteChars),
        }),
      ),
    ]);
    tried.push(...attempts.map((a) => a.proposal.idea));
    if (exhausted)
      return proposals.length ? { type: 'propose', proposals, result: exhausted } : { type: 'done', result: exhausted };
    // A continuation carries the repeats so far: past `maxRepeats` it gives the test up, once these notes are in.
    const followUps =
      tried.length < info.settings.maxAttempts ? [{ payload: subTaskFor(failure, recorded.size, repeatsSoFar) }] : [];
    const result = `${tried.length} patches tried for ${failure.testId}${unparsed ? ` (${unparsed} this step refused unparsed, never run)` : ''}${repeats ? ` (${repeats} proposals repeated a rejected patch, not run again)` : ''}`;
    return proposals.length || followUps.length
      ? { type: 'propose', proposals, followUps, result }
      : { type: 'done', result };
  },

  async unfold(io, _task, labels): Promise<UnfoldedDetail[]> {
    const { view } = infoOf(io);
    return labels
      .slice(0, CAPS.unfoldPerStep)
      .map((label) => ({ label, detail: view.source(label) ?? `(no file or failure labelled ${label})` }));
  },

  async check(io, envelope): Promise<ProtocolVerdict> {
    const { view, info } = infoOf(io);
    const body = DebugBodySchema.safeParse(envelope.body);
    const testId = body.success ? body.data.testId : undefined;
    const ctx = { taskId: envelope.taskId, authorId: envelope.agentId };
    // Which patch the proposal is or records, so the same edits proposed again are known for a repeat.
    const key = body.success ? (body.data.patch ? patchKey(body.data.patch) : body.data.patchKey) : undefined;
    const reject = (reasons: string[], idea: string): ProtocolVerdict => ({
      verdict: 'reject',
      reason: reasons.join('; '),
      entry: {
        ...ctx,
        kind: 'failure',
        level: 0,
        text: `rejected patch for ${testId ?? 'an unnamed test'}: ${reasons[0]}\n${clip(idea, 200)}`,
        meta: { reasons, ...(testId ? { testId } : {}), idea, ...(key ? { patchKey: key } : {}) },
      },
    });

    const head = BodyHeadSchema.safeParse(envelope.body);
    const kind = head.success ? head.data.kind : undefined;
    let testResults: Map<string, boolean> | undefined;
    let output = '';
    if (kind === 'PATCH_SUMMARY') {
      const idea = head.success && typeof head.data.idea === 'string' ? head.data.idea : '';
      if (!body.success || !testId || !body.data.patch)
        return reject(['a PATCH_SUMMARY must carry its test id and its patch'], idea);
      const tests = editedTestFiles(body.data.patch, testFilesOf(io));
      if (tests.length) return reject([testEditRefusal(tests)], idea);
      const verification = await verifyPatch(info.workspace, body.data.patch, testId, {
        baseline: baselineOf(io),
        ...runOptions(info.settings),
      });
      testResults = new Map([[testId, verification.verified]]);
      output = clip(verification.output, 1_000);
      if (!verification.verified) {
        const why = !verification.applied
          ? `patch does not apply: ${verification.rejection}`
          : !verification.targetPasses
            ? 'the target test still fails on the whole suite'
            : `regresses ${verification.regressions.join(', ')}`;
        return reject([why], idea);
      }
    }
    const result = await verifyProposal(envelope.body, {
      source: (label) => view.source(label),
      entries: view.level0,
      ...(testResults ? { testResults } : {}),
    });
    if (result.verdict === 'redundant')
      return { verdict: 'duplicate', reason: result.reasons[0] ?? 'already in the ledger' };
    if (result.verdict === 'reject')
      return reject(
        result.reasons,
        result.proposal && 'idea' in result.proposal
          ? result.proposal.idea
          : JSON.stringify(envelope.body).slice(0, 200),
      );
    const entry: LedgerEntryInput = acceptedEntry(result.proposal!, ctx);
    const meta = {
      ...entry.meta,
      ...(testId ? { testId } : {}),
      ...(body.success && body.data.idea ? { idea: body.data.idea } : {}),
      ...(kind === 'PATCH_SUMMARY' && body.success ? { patch: body.data.patch, output } : {}),
      ...(key ? { patchKey: key } : {}),
    };
    return {
      verdict: 'accept',
      reason: kind === 'PATCH_SUMMARY' ? 'target passes and nothing regressed on the whole suite' : 'note admitted',
      entry: { ...entry, meta },
    };
  },

  async finalDigest(io) {
    const { view } = infoOf(io);
    return buildDigest(view.level0, {
      kinds: ['PATCH_SUMMARY'],
      perKind: { PATCH_SUMMARY: 1_000 },
      maxEntries: 1_000,
      tokenBudget: 100_000,
    });
  },

  async decide(io, input): Promise<Decision> {
    const { view, info } = infoOf(io);
    const fixes = view.level0.filter((e) => e.kind === 'PATCH_SUMMARY');
    const merge = await mergePatches(
      info.workspace,
      fixes.map((e) => ({ id: `#${e.id}`, patch: parsePatch(e.meta?.patch) })),
      runOptions(info.settings),
    );
    const targets = [...info.failures.values()];
    const open = targets.filter((f) => targetStatus(f.testId, merge.run.results) === 'fail');
    const retry = open.filter((f) => attemptsOn(view, f.testId).length < info.settings.maxAttempts);
    if (input.mayEnqueue && retry.length > 0 && !merge.allPass) {
      return {
        type: 'enqueue',
        tasks: retry.map((f) => ({ payload: subTaskFor(f, attemptsOn(view, f.testId).length) })),
      };
    }
    const { answer } = debugAnswer(
      merge,
      { results: baselineOf(io).results, flaky: flakyOf(io) },
      targets.map((f) => f.testId),
      fixes.map((e) => ({ testId: String(e.meta?.testId), summary: e.text })),
    );
    return { type: 'answer', answer };
  },
});
