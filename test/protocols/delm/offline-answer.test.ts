import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createOfflineModel } from '../../../src/providers/offline.js';
import { answerFromEvidence, finalDecisionSkill, singlePassSkill } from '../../../src/protocols/delm/offline/answer.js';
import { decompositionSkill, managerPlanSkill } from '../../../src/protocols/delm/offline/plan.js';
import { registerProtocolSkills } from '../../../src/protocols/delm/offline/register.js';
import { polarTerms } from '../../../src/protocols/delm/offline/rank.js';
import {
  decompositionPrompt,
  finalDecisionPrompt,
  managerPlanPrompt,
  singlePassPrompt,
  synthesisPrompt,
  workerPrompt,
} from '../../../src/protocols/kit/prompts/index.js';
import { extractAnswer } from '../../../src/workloads/longbench.js';

const APACHE = readFileSync('/usr/share/common-licenses/Apache-2.0', 'utf8');
const GPL3 = readFileSync('/usr/share/common-licenses/GPL-3', 'utf8');
const question =
  'What happens to the patent licenses granted to you if you institute patent litigation alleging that the Work infringes a patent?';
const choices = {
  A: 'You must pay royalties to every contributor of the Work',
  B: 'The patent licenses granted to you terminate as of the date such litigation is filed',
  C: 'The Work becomes public domain software',
  D: 'The trademark rights of the Licensor are transferred to you',
};

describe('offline final answer', () => {
  it('answers the choice the verified gists support, in LongBench’s format, with citations', () => {
    const digest = [
      '[#7 gist D2] On (B): "then any patent licenses granted to You under this License for that Work shall terminate as of the date such litigation is filed."',
      '[#5 gist D1] On the question: "Each contributor grants you a non-exclusive, worldwide, royalty-free patent license"',
      '[#6 failure] rejected gist: quote not found',
      '[#8 gist D3] No passage of D3 mentions "trademark"; the whole text was searched.',
    ].join('\n');
    const decision = finalDecisionSkill(
      finalDecisionPrompt.render({
        question,
        choices,
        digest,
        sources: ['D1', 'D2'],
        round: 1,
        maxRounds: 2,
        mayEnqueue: true,
      }),
    );
    expect(decision.decision).toBe('answer');
    if (decision.decision !== 'answer') return;
    expect(extractAnswer(decision.answer)).toBe('B');
    expect(decision.citations).toContain('D2');
    expect(decision.answer).toMatch(/not an LLM/);
  });

  it('is negation-aware: evidence that denies a choice counts against it', () => {
    expect(polarTerms('The Work does not become public domain').get('public')).toBe(-1);
    expect(polarTerms('The Work becomes public domain').get('public')).toBe(1);
    const ev = (text: string) => [{ text, labels: ['D1'] }];
    const q = 'What is the status of the Work?';
    const opts = [
      { letter: 'A', text: 'It enters the public domain' },
      { letter: 'B', text: 'It stays under copyright' },
    ];
    expect(
      answerFromEvidence(q, opts, ev('The Work never enters the public domain; the copyright notice remains.')).answer,
    ).toMatch(/\(B\)/);
    expect(answerFromEvidence(q, opts, ev('The Work enters the public domain after the term.')).answer).toMatch(
      /\(A\)/,
    );
  });

  it('asks for more work when the ledger holds no findings and more is allowed', () => {
    const render = (mayEnqueue: boolean) =>
      finalDecisionPrompt.render({
        question,
        choices,
        digest: '[#2 failure] rejected gist: x',
        sources: ['D1', 'D2'],
        round: 1,
        maxRounds: 2,
        mayEnqueue,
      });
    expect(finalDecisionSkill(render(true))).toMatchObject({
      decision: 'more',
      subTasks: [{ payload: expect.stringContaining('D1') }, { payload: expect.stringContaining('D2') }],
    });
    expect(finalDecisionSkill(render(false)).decision).toBe('answer');
  });

  it('answers a single pass over real licence texts', () => {
    const { answer, citations } = singlePassSkill(
      singlePassPrompt.render({
        question,
        choices,
        documents: [
          { label: 'D1', text: GPL3 },
          { label: 'D2', text: APACHE },
        ],
      }),
    );
    expect(extractAnswer(answer)).toBe('B');
    expect(citations).toContain('D2');
  });
});

describe('offline planning and the orchestrator baseline', () => {
  it('decomposes into one sub-task per document or chunk', () => {
    const out = decompositionSkill(
      decompositionPrompt.render({
        question,
        sources: [{ label: 'D1.c1' }, { label: 'D1.c2', title: 'part two' }, { label: 'D2.c1' }],
      }),
    );
    expect(out.subTasks.map((s) => s.payload)).toEqual(
      ['D1.c1', 'D1.c2', 'D2.c1'].map((l) => `Read ${l} and report what bears on the question.`),
    );
  });

  it('runs plan → workers → synthesis offline end to end', async () => {
    registerProtocolSkills();
    const model = createOfflineModel();
    const sources = [
      { label: 'D1', text: GPL3 },
      { label: 'D2', text: APACHE },
    ];
    const call = async <T>(
      t: { system: string; schema: import('zod').ZodType<T>; schemaName: string },
      content: string,
    ) =>
      (
        await model.complete({
          system: t.system,
          messages: [{ role: 'user', content }],
          schema: t.schema,
          schemaName: t.schemaName,
        })
      ).object!;
    const plan = await call(managerPlanPrompt, managerPlanPrompt.render({ question, choices, sources, workers: 2 }));
    expect(plan.assignments.map((a) => a.labels)).toEqual([['D1'], ['D2']]);
    expect(managerPlanSkill(managerPlanPrompt.render({ question, sources, workers: 1 })).assignments).toHaveLength(1);
    const reports = [];
    for (const [i, a] of plan.assignments.entries()) {
      const report = await call(
        workerPrompt,
        workerPrompt.render({
          question,
          choices,
          instructions: a.instructions,
          documents: sources.filter((s) => a.labels.includes(s.label)),
        }),
      );
      for (const q of report.quotes) expect(sources.find((s) => s.label === q.source)!.text).toContain(q.text);
      reports.push({ worker: `w${i + 1}`, text: report.report });
    }
    const final = await call(synthesisPrompt, synthesisPrompt.render({ question, choices, reports }));
    expect(extractAnswer(final.answer)).toBe('B');
    expect(final.citations).toContain('D2');
  });
});
