/**
 * The verifier's decision on one proposal: parse it, run the deterministic checks for its kind
 * (quotes verbatim, anchors in order, numbers in the raw text, no placeholders, size caps, concrete
 * evidence), then the optional model judge, then the redundancy check against the ledger.
 * Deterministic checks run before any model, and a proposal that fails them never reaches the judge.
 */
import type { LedgerEntry } from '../../ledger/types.js';
import { countTokens as defaultCountTokens } from '../../providers/tokenizer.js';
import {
  checkAbsence,
  checkAnchors,
  checkHedges,
  checkLabels,
  checkNumbers,
  checkQuote,
  checkSupport,
  isPlaceholder,
  isRoutineLookup,
  type SourceLookup,
} from './checks.js';
import { patchSummaryLine, proposalLabels, proposalText } from './entry.js';
import type { PromptDocument } from './prompts/template.js';
import { findRedundant } from './redundancy.js';
import { CAPS, ProposalSchema, type Evidence, type JudgeVerdict, type Proposal } from './schemas.js';
import { extend } from '../../internal/extend.js';

/** What the verifier knows when it judges a proposal. */
export interface VerifyContext extends SourceLookup {
  /** Entries already in the ledger, for the redundancy check. */
  readonly entries?: readonly LedgerEntry[];
  /** Tests the verifier ran itself: test id → whether it passed. */
  readonly testResults?: ReadonlyMap<string, boolean>;
  /** Optional model judge, asked only after every deterministic check passed. */
  readonly judge?: (proposal: Proposal, sources: PromptDocument[]) => Promise<JudgeVerdict> | JudgeVerdict;
  /** Share of a gist's content terms its quotes must contain (default 0.5). */
  readonly supportThreshold?: number;
  /** Term-set Jaccard at which a proposal repeats an entry on the same sources (default 0.8). */
  readonly redundancyThreshold?: number;
  readonly now?: number;
  readonly countTokens?: (text: string) => number;
  /**
   * The proposing agent's pre-check as a lookup (see precheck.ts `witnessedSources`): the checks run
   * with it first, and again against this context's own sources only if they fail with it.
   */
  readonly witnessed?: SourceLookup;
}

/** The verifier's verdict; `proposal` is the parsed proposal whenever it parsed. */
export interface VerifyResult {
  readonly verdict: 'accept' | 'reject' | 'redundant';
  readonly reasons: string[];
  readonly proposal?: Proposal;
  /** Whether the deterministic checks passed on the agent's pre-check, without searching the sources. */
  readonly prechecked?: boolean;
}

/** The deterministic checks alone: every reason the proposal must be rejected (empty when none). */
export function deterministicChecks(proposal: Proposal, ctx: VerifyContext): string[] {
  const count = ctx.countTokens ?? defaultCountTokens;
  const threshold = ctx.supportThreshold ?? 0.5;
  const reasons: string[] = [];
  const noteCap = (text: string) => {
    if (isPlaceholder(text)) reasons.push(`${proposal.kind} text is empty or a placeholder`);
    if (text.length > CAPS.noteChars)
      reasons.push(`${proposal.kind} note is ${text.length} characters; the cap is ${CAPS.noteChars}`);
  };

  switch (proposal.kind) {
    case 'gist': {
      if (isPlaceholder(proposal.text)) reasons.push('gist text is empty or a placeholder');
      const tokens = count(proposal.text);
      if (tokens > CAPS.gistTokens) reasons.push(`gist is ${tokens} tokens; the cap is ${CAPS.gistTokens}`);
      for (const q of proposal.quotes) reasons.push(...checkQuote(q, ctx));
      reasons.push(...checkLabels(proposal.labels, ctx));
      if (proposal.absence) {
        reasons.push(...checkAbsence(proposal.absence, ctx));
      } else if (proposal.quotes.length === 0) {
        reasons.push(
          'no checkable source: a gist needs verbatim quotes (or an absence finding saying what was searched)',
        );
      } else if (reasons.length === 0) {
        reasons.push(...checkSupport(proposal.text, proposal.quotes, threshold));
      }
      reasons.push(...checkNumbers(proposal.text, proposalLabels(proposal), ctx, 'gist'));
      reasons.push(...checkHedges(proposal.text, proposal.hedges, proposal.quotes));
      break;
    }
    case 'summary': {
      const raw = ctx.source(proposal.source);
      if (raw === undefined) {
        reasons.push(`summary of unknown source ${proposal.source}`);
        break;
      }
      const tokens = count(proposalText(proposal));
      if (tokens > CAPS.summaryTokens) reasons.push(`summary is ${tokens} tokens; the cap is ${CAPS.summaryTokens}`);
      proposal.points.forEach((p, i) => {
        if (isPlaceholder(p.text)) reasons.push(`point ${i + 1} is empty or a placeholder`);
        reasons.push(...checkAnchors(p, raw, i));
        reasons.push(...checkNumbers(p.text, [proposal.source], ctx, `point ${i + 1}`));
      });
      break;
    }
    case 'FACT':
    case 'OBSERVED': {
      noteCap(proposal.text);
      reasons.push(...checkEvidence(proposal.evidence, ctx, proposal.kind === 'FACT' ? 'passed' : 'ran'));
      if (proposal.evidence.quotes.length)
        reasons.push(...checkNumbers(proposal.text, proposalLabels(proposal), ctx, proposal.kind));
      break;
    }
    case 'TRIED': {
      noteCap(proposal.text);
      if (isRoutineLookup(proposal.text))
        reasons.push('TRIED records a routine look-up with no outcome; only actions with a result are admitted');
      for (const q of proposal.evidence.quotes) reasons.push(...checkQuote(q, ctx));
      break;
    }
    case 'FAIL': {
      noteCap(proposal.text);
      if (isPlaceholder(proposal.reason)) reasons.push('FAIL needs a reason, not a placeholder');
      else if (proposal.reason.length > 2 * CAPS.noteChars)
        reasons.push(`FAIL reason is ${proposal.reason.length} characters; the cap is ${2 * CAPS.noteChars}`);
      break;
    }
    case 'CLAIM': {
      noteCap(proposal.text);
      if (proposal.ttlMs > CAPS.claimTtlMs)
        reasons.push(`CLAIM time-to-live ${proposal.ttlMs} ms exceeds the cap of ${CAPS.claimTtlMs} ms`);
      break;
    }
    case 'PATCH_SUMMARY': {
      const line = patchSummaryLine(proposal);
      if (line.length > CAPS.patchSummaryChars)
        reasons.push(`PATCH_SUMMARY is ${line.length} characters; the cap is ${CAPS.patchSummaryChars}`);
      if (isPlaceholder(proposal.idea)) reasons.push('PATCH_SUMMARY idea is empty or a placeholder');
      if (isPlaceholder(proposal.risk)) reasons.push('PATCH_SUMMARY risk is empty or a placeholder');
      const passed = proposal.evidence.tests.filter((t) => ctx.testResults?.get(t) === true);
      if (passed.length === 0)
        reasons.push("PATCH_SUMMARY needs concrete evidence: a test that passed in the verifier's own run");
      const notPassed = proposal.evidence.tests.filter((t) => ctx.testResults?.get(t) !== true);
      if (passed.length && notPassed.length)
        reasons.push(`PATCH_SUMMARY cites tests that did not pass in the verifier's run: ${notPassed.join(', ')}`);
      for (const q of proposal.evidence.quotes) reasons.push(...checkQuote(q, ctx));
      break;
    }
  }
  return reasons;
}

/** Evidence of a FACT (tests must have passed) or OBSERVED note (tests must have run): quotes or tests, all checkable. */
function checkEvidence(evidence: Evidence, ctx: VerifyContext, tests: 'passed' | 'ran'): string[] {
  const reasons = evidence.quotes.flatMap((q) => checkQuote(q, ctx));
  const known = evidence.tests.filter((t) =>
    tests === 'passed' ? ctx.testResults?.get(t) === true : ctx.testResults?.has(t),
  );
  for (const t of evidence.tests)
    if (!known.includes(t))
      reasons.push(
        `test ${t} ${tests === 'passed' ? "did not pass in the verifier's run" : "was not in the verifier's run"}`,
      );
  if (evidence.quotes.length === 0 && evidence.tests.length === 0) {
    reasons.push(
      `no checkable source: ${evidence.output && !isPlaceholder(evidence.output) ? 'command output alone cannot be checked; ' : ''}cite verbatim quotes or a test id`,
    );
  }
  return reasons;
}

/** Judges one proposal (see the module comment). Never throws on bad input: malformed proposals are rejected. */
export async function verifyProposal(input: unknown, ctx: VerifyContext): Promise<VerifyResult> {
  const parsed = ProposalSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      verdict: 'reject',
      reasons: [
        `malformed proposal${issue?.path.length ? ` at ${issue.path.join('.')}` : ''}: ${issue?.message ?? 'invalid'}`,
      ],
    };
  }
  const proposal = parsed.data;
  // A pre-check that holds spares the source searches; one that does not is no evidence of anything.
  const prechecked =
    ctx.witnessed !== undefined && deterministicChecks(proposal, extend(ctx, ctx.witnessed)).length === 0;
  const reasons = prechecked ? [] : deterministicChecks(proposal, ctx);
  if (reasons.length) return { verdict: 'reject', reasons, proposal };

  if (ctx.judge) {
    const labels = proposalLabels(proposal);
    const sources = labels.flatMap((label) => {
      const text = ctx.source(label);
      return text === undefined ? [] : [{ label, text }];
    });
    let verdict: JudgeVerdict;
    try {
      verdict = await ctx.judge(proposal, sources);
    } catch (err) {
      // A proposal the judge could not rule on is not admitted; the agent may propose it again.
      return {
        verdict: 'reject',
        reasons: [`judge failed: ${err instanceof Error ? err.message : String(err)}`],
        proposal,
      };
    }
    if (verdict.verdict === 'reject') {
      return {
        verdict: 'reject',
        reasons: verdict.problems.length
          ? verdict.problems.map((p) => `judge (${p.check}): ${p.detail}`)
          : ['judge rejected it'],
        proposal,
      };
    }
  }

  const redundancy: { threshold?: number; now?: number } = {};
  if (ctx.redundancyThreshold !== undefined) redundancy.threshold = ctx.redundancyThreshold;
  if (ctx.now !== undefined) redundancy.now = ctx.now;
  const repeat = findRedundant(
    { kind: proposal.kind, text: proposalText(proposal), labels: proposalLabels(proposal) },
    ctx.entries ?? [],
    redundancy,
  );
  if (repeat) return { verdict: 'redundant', reasons: [repeat.reason], proposal, prechecked };
  return { verdict: 'accept', reasons: [], proposal, prechecked };
}
