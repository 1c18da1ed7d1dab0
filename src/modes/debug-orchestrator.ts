/**
 * The orchestrator baseline on the debugging workload: the manager's conversation holds the task
 * (the failing tests with their output, and the workspace's files unless `managerView` is
 * `outline`); each failing test is delegated to a worker that searches for a patch exactly as a
 * delm agent does (same prompt, same screening by the target's test file) and reports every attempt
 * in full; the manager reads each wave's reports and delegates more or answers (its prompt fitted to
 * the model's window as the orchestrator's is, see fit-window.ts); the patches the
 * workers found are merged and the whole suite is run, as delm's final agent does. There is no
 * verifier: a worker's patch is merged on its own report.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { DelmError } from '../errors.js';
import { registerDebugSkills } from '../protocols/debug/offline/skills.js';
import { registerProtocolSkills } from '../protocols/delm/offline/register.js';
import { managerPlanPrompt, managerReviewPrompt } from '../protocols/kit/prompts/orchestrator.js';
import type { OrchestratorPlan, OrchestratorReview } from '../protocols/kit/schemas.js';
import type { ChatMessage } from '../providers/types.js';
import type { SwarmEvent } from '../runtime/events.js';
import type { RunTask } from '../protocols/kit/protocol.js';
import type { StopReason } from '../runtime/run.js';
import { attemptFixes } from '../protocols/debug/attempts.js';
import { RepeatedProposalError } from '../protocols/debug/errors.js';
import { runTestsTool } from '../protocols/debug/run-tests-tool.js';
import type { Patch } from '../workloads/debugging/patch.js';
import { DebugTaskMetaSchema, defaultScreens, runOptions } from '../protocols/debug/protocol.js';
import { debugAnswer } from '../workloads/debugging/report.js';
import { isTestFile, knownTestFiles } from '../workloads/debugging/test-files.js';
import type { Baseline } from '../workloads/debugging/scoring.js';
import { listFailingTests, mergePatches, nothingToFix, type DebugSubTask } from '../workloads/debugging/verify.js';
import { installDependencies, loadWorkspace } from '../workloads/debugging/workspace.js';
import { HubContext } from './hub-context.js';
import { windowFor } from './context-window.js';
import { DocumentSizes, fitManagerPrompt, type ManagerFirstTurn } from './fit-window.js';
import { withCutNote } from './truncate.js';
import type { BaselineOptions } from './options.js';
import { orchestratedResult } from './orchestrated-result.js';
import type { ModeResult } from './result.js';

type Assignment = OrchestratorPlan['assignments'][number];

/** Runs a debugging task through the orchestrator baseline. Never rejects for a stopped run. */
export async function runDebugOrchestrator(
  task: RunTask,
  options: BaselineOptions,
  run: { signal?: AbortSignal; onEvent?: (e: SwarmEvent) => void } = {},
): Promise<ModeResult> {
  registerProtocolSkills();
  registerDebugSkills();
  const meta = DebugTaskMetaSchema.safeParse(task.meta ?? {});
  if (!meta.success)
    throw new DelmError(
      'INVALID_ARGUMENT',
      `debugging task meta: ${meta.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  const settings = meta.data.debug;
  const hub = await HubContext.create(options.swarm, run.onEvent, run.signal);
  const workers = options.swarm.agents;
  const manager = hub.model(0, 'manager');
  const conversation: ChatMessage[] = [];
  const window = windowFor(options.contextTokens, manager.id);
  const sizes = new DocumentSizes();
  let cutTokens = 0;
  const found: Array<{ testId: string; patch: Patch; summary: string }> = [];
  let managerBusyMs = 0;
  let answer: string | undefined;
  let stopReason: StopReason;
  let error: string | undefined;
  let targets: DebugSubTask[] = [];
  let baseline: Baseline = { results: [], flaky: [] };
  let workspace: string | undefined;

  try {
    const ws = await loadWorkspace(meta.data.workspace, { testCommand: settings.testCommand });
    await installDependencies(ws.dir);
    workspace = ws.dir;
    const failing = await listFailingTests(ws.dir, runOptions(settings));
    if (!failing.tasks.length) throw nothingToFix(ws.dir, failing.run, failing.flaky);
    targets = failing.tasks;
    baseline = { results: failing.run.results, flaky: failing.flaky };
    const testFiles = knownTestFiles(ws.testFiles, failing.run.results);
    const files = await Promise.all(
      ws.sourceFiles
        .filter((f) => !isTestFile(f, testFiles))
        .map(async (path) => ({ path, text: await readFile(`${ws.dir}/${path}`, 'utf8') })),
    );
    const byLabel = new Map(targets.map((t, i) => [`fail:${i + 1}`, t]));
    // With tools, workers get the same as delm's agents: the workspace tools over it and run_tests.
    const runTools = { workspace: ws.dir, tools: [runTestsTool(settings)] };
    // The manager's first turn, fitted to the window before each call as the orchestrator's is.
    const sources = [...byLabel].map(([label, t]) => ({ label, title: t.id }));
    const firstTurn: ManagerFirstTurn = {
      documents:
        options.managerView === 'full'
          ? [
              ...[...byLabel].map(([label, t]) => ({ label, text: t.error })),
              ...files.map((f) => ({ label: f.path, text: f.text })),
            ]
          : [],
      render: (documents, cut) =>
        managerPlanPrompt.render({
          question: withCutNote(task.prompt, cut, window),
          sources,
          workers,
          ...(options.managerView === 'full' ? { documents: [...documents] } : {}),
        }),
    };
    // The workload supplies the sub-tasks (one per failing test), as it does for the swarm: no plan call.
    let pending: Assignment[] = [...byLabel].map(([label, t]) => ({
      instructions: `Make the failing test "${t.id}" pass without breaking any other test.`,
      labels: [label],
    }));
    conversation.push(
      { role: 'user', content: '' }, // rendered at each call
      { role: 'assistant', content: JSON.stringify({ assignments: pending }) },
    );
    hub.start(randomUUID(), pending.length);

    const work = async (assignment: Assignment, index: number): Promise<{ worker: string; text: string }> => {
      const target = byLabel.get(assignment.labels[0] ?? '');
      if (!target) return { worker: `worker-${index + 1}`, text: 'No failing test was named in my assignment.' };
      const related = target.relatedFiles.length ? files.filter((f) => target.relatedFiles.includes(f.path)) : files;
      const model = await hub.toolModel(1 + (index % workers), 'worker', runTools);
      const { attempts, exhausted, unparsed, repeats, lastRepeat } = await attemptFixes({
        model,
        signal: hub.signal,
        workspace: ws.dir,
        failure: {
          testId: target.id,
          testFile: target.testFile,
          output: target.error,
          testSource: await readFile(`${ws.dir}/${target.testFile}`, 'utf8').catch(() => undefined),
          executedLines: target.executedLines,
          executedByTest: target.executedByTest,
          passedBefore: baseline.results
            .filter(
              (r) => r.id.startsWith(`${target.testFile} > `) && r.status === 'pass' && !baseline.flaky.includes(r.id),
            )
            .map((r) => r.id),
        },
        files: related,
        tried: [],
        attempts: settings.maxAttempts,
        concurrency: settings.screens ?? defaultScreens(model),
        testTimeoutMs: settings.testTimeoutMs,
        testCommand: settings.testCommand,
        testFiles,
        callContext: { role: 'worker', taskId: index + 1 },
        describe: (a) => `[FAIL] ${a.proposal.idea} — ${a.detail}`,
        maxRepeats: settings.maxRepeats,
      });
      const last = attempts.at(-1);
      if (last?.passes)
        found.push({
          testId: target.id,
          patch: last.proposal.edits,
          summary: `${[...new Set(last.proposal.edits.map((e) => e.file))].join(', ')}: ${last.proposal.idea}`,
        });
      // The worker's full output goes back to the manager: every attempt with its edits and result.
      const lines = attempts.map(
        (a, i) =>
          `Attempt ${i + 1}: ${a.proposal.idea}\nedits: ${JSON.stringify(a.proposal.edits)}\nresult: ${a.detail}`,
      );
      // A worker whose model kept proposing a rejected patch gives up, as a delm agent does (REPEATED_PROPOSAL).
      const gaveUp =
        lastRepeat && repeats >= settings.maxRepeats
          ? new RepeatedProposalError(target.id, repeats, lastRepeat.rejection)
          : undefined;
      const verdict = last?.passes
        ? `Fixed ${target.id}.`
        : `Could not fix ${target.id}${exhausted ? ` (${exhausted})` : gaveUp ? ` (${gaveUp.code}: ${gaveUp.message})` : ''}.`;
      const refused = unparsed ? [`${unparsed} of ${attempts.length} attempts did not parse and were never run.`] : [];
      return { worker: `worker-${index + 1}`, text: [verdict, ...refused, ...lines].join('\n') };
    };

    let delegated = 0;
    const maxTurns = Math.ceil(pending.length / workers) + options.swarm.maxRounds;
    for (let turn = 1; ; turn++) {
      const wave = pending.splice(0, workers);
      const reports = await Promise.all(wave.map((a, i) => work(a, delegated + i)));
      delegated += wave.length;
      conversation.push({
        role: 'user',
        content: managerReviewPrompt.render({ reports, pending, mayDelegate: turn < maxTurns }),
      });
      const t0 = Date.now();
      const fitted = fitManagerPrompt(managerReviewPrompt.system, conversation, firstTurn, window, sizes);
      cutTokens = Math.max(cutTokens, fitted.cutTokens);
      const reply = await manager.complete({
        system: managerReviewPrompt.system,
        messages: fitted.messages,
        schema: managerReviewPrompt.schema,
        schemaName: managerReviewPrompt.schemaName,
        signal: hub.signal,
        context: { role: 'manager' },
      });
      managerBusyMs += Date.now() - t0;
      const review: OrchestratorReview | undefined = reply.object;
      if (!review) throw new DelmError('MALFORMED_OUTPUT', 'the manager returned no decision');
      conversation.push({ role: 'assistant', content: JSON.stringify(review) });
      if (review.decision === 'answer' || turn >= maxTurns) break;
      pending = review.assignments;
    }
    const merge = await mergePatches(
      ws.dir,
      found.map((f) => ({ id: f.testId, patch: f.patch })),
      runOptions(settings),
    );
    // Scored like delm's answer: a target counts only if the merge regressed nothing (no verifier stopped a regressing patch here).
    answer = debugAnswer(
      merge,
      baseline,
      targets.map((t) => t.id),
      found,
    ).answer;
    stopReason = 'answered';
  } catch (e) {
    stopReason = hub.stopReasonOf(e);
    error = hub.errorTextOf(e);
    // Stopped by wall time or budget after planning: answer with what the workers found, scored the same way.
    if (workspace && (stopReason === 'wall-time' || stopReason === 'budget')) {
      const merge = await mergePatches(
        workspace,
        found.map((f) => ({ id: f.testId, patch: f.patch })),
        runOptions(settings),
      ).catch(() => undefined);
      if (merge)
        answer = `The run was stopped before the manager answered; this answer merges the patches its workers found.\n${
          debugAnswer(
            merge,
            baseline,
            targets.map((t) => t.id),
            found,
          ).answer
        }`;
    }
  }
  return {
    ...(await orchestratedResult(hub, { answer, stopReason, error, managerBusyMs, subTasks: targets.length })),
    truncatedTokens: cutTokens,
  };
}
