/** TAP (version 13/14) as tape and any `--test-command` print it: per-test outcomes, never a summary line scraped. */
import type { RawResult } from './node-test.js';

const POINT = /^(\s*)(not ok|ok)\b\s*(\d+)?\s*(?:-\s*)?([^#]*?)\s*(?:#\s*(SKIP|TODO)\b.*)?$/i;

/**
 * Parses TAP. tape groups assertions under `# name` comments: each such group is one test, failing when
 * any of its assertions fails. Without comments, each top-level test point is one test.
 */
export function parseTap(stdout: string): RawResult[] {
  const lines = stdout.split('\n');
  const grouped = new Map<string, { status: RawResult['status']; errors: string[] }>();
  const points: RawResult[] = [];
  let group: string | undefined;
  let sawComment = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const comment = /^# (?!(?:tests|pass|fail|skip|todo|ok)\b\s*\d*\s*$)(.+)$/.exec(line);
    if (comment && !/^# Subtest:/.test(line)) {
      group = comment[1]!.trim();
      sawComment = true;
      continue;
    }
    const m = POINT.exec(line);
    if (!m || (m[1] ?? '').length > 0) continue;
    const ok = m[2]!.toLowerCase() === 'ok';
    const directive = m[5]?.toUpperCase();
    let error: string | undefined;
    if (!ok) {
      const yaml: string[] = [];
      for (let j = i + 1; j < lines.length && /^\s+/.test(lines[j] ?? ''); j++) yaml.push((lines[j] ?? '').trim());
      error = yaml.join('\n').slice(0, 2000) || 'failed';
    }
    const status: RawResult['status'] = directive === 'SKIP' || directive === 'TODO' ? 'skip' : ok ? 'pass' : 'fail';
    if (sawComment && group !== undefined) {
      const g = grouped.get(group) ?? { status: 'pass', errors: [] };
      if (status === 'fail') g.status = 'fail';
      else if (status === 'skip' && g.status === 'pass' && g.errors.length === 0) g.status = 'skip';
      if (error) g.errors.push(`${m[4] ?? ''}: ${error}`);
      grouped.set(group, g);
    } else {
      points.push({ name: m[4] || `test ${m[3] ?? points.length + 1}`, status, ...(error ? { error } : {}) });
    }
  }
  return [
    ...[...grouped].map(([name, g]) => ({
      name,
      status: g.status,
      ...(g.errors.length ? { error: g.errors.join('\n').slice(0, 2000) } : {}),
    })),
    ...points,
  ];
}
