/** jest's `--json` report (vitest's json reporter writes the same shape): per-test outcomes of one file. */
import { z } from 'zod';
import type { RawResult } from './node-test.js';

const reportSchema = z.looseObject({
  testResults: z.array(
    z.looseObject({
      message: z.string().optional(),
      status: z.string().optional(),
      assertionResults: z
        .array(
          z.looseObject({
            ancestorTitles: z.array(z.string()).default([]),
            title: z.string(),
            status: z.string(),
            failureMessages: z.array(z.string()).nullish(),
          }),
        )
        .default([]),
    }),
  ),
});

/** Parses the report; a file that failed to run at all comes back as `fileError`. */
export function parseJestJson(text: string): { results: RawResult[]; fileError?: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { results: [], fileError: 'the runner wrote no JSON report' };
  }
  const parsed = reportSchema.safeParse(json);
  if (!parsed.success) return { results: [], fileError: 'the runner wrote a JSON report of an unexpected shape' };
  const results: RawResult[] = [];
  let fileError: string | undefined;
  for (const file of parsed.data.testResults) {
    for (const a of file.assertionResults) {
      const status = a.status === 'passed' ? 'pass' : a.status === 'failed' ? 'fail' : 'skip';
      const error = (a.failureMessages ?? []).join('\n').slice(0, 2000);
      results.push({
        name: [...a.ancestorTitles, a.title].join(' > '),
        status,
        ...(error ? { error } : {}),
        ...(/Exceeded timeout|timed out in/i.test(error) ? { reason: 'timeout' as const } : {}),
      });
    }
    if (file.assertionResults.length === 0 && file.message) fileError = file.message.slice(0, 2000);
  }
  return { results, ...(fileError ? { fileError } : {}) };
}
