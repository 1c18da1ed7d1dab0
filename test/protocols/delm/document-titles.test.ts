/**
 * Every mode shows a source's title with its document: delm's agents as the orchestrator's workers
 * and manager and the single pass do. The prompts are read where a model gets them: a local
 * OpenAI-compatible server (answering as the offline model), reached through the real OpenAI SDK.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunner } from '../../../src/modes/runner.js';
import type { Mode } from '../../../src/modes/result.js';
import { offlineAnswer } from '../../providers/servers/offline-answers.js';
import { startWireServer, type WireServer } from '../../providers/servers/wire-server.js';

const task = {
  prompt: 'Which licence grants a patent licence?',
  sources: [
    {
      label: 'D1',
      title: 'Apache License 2.0',
      text: 'Each Contributor hereby grants to You a patent license to make and use the Work.',
    },
    {
      label: 'D2',
      title: 'MIT License',
      text: 'Permission is hereby granted, free of charge, to any person obtaining a copy of this software.',
    },
  ],
  subTasks: [
    { payload: 'Read D1 and report what bears on the question.' },
    { payload: 'Read D2 and report what bears on the question.' },
  ],
};

describe('document titles in every mode', () => {
  let server: WireServer;
  beforeAll(async () => {
    server = await startWireServer();
    server.otherwise(offlineAnswer);
  });
  afterAll(() => server.close());

  it.each<Mode>(['delm', 'orchestrator', 'single'])(
    '%s shows each document with its title',
    async (mode) => {
      server.requests.length = 0;
      const runner = createRunner(mode, { agents: 2, model: `openai-compatible:local@${server.url}/v1` });
      try {
        expect((await runner.run(task)).stopReason).toBe('answered');
      } finally {
        await runner.close();
      }
      const sections = server.requests.flatMap((r) =>
        (r.body.messages as Array<{ content: string }>).flatMap(
          (m) => m.content.match(/<section name="document" label=[^>]*>/g) ?? [],
        ),
      );
      expect(sections.length).toBeGreaterThan(0);
      for (const s of sections) expect(s).toMatch(/ title="(Apache License 2\.0|MIT License)"/);
    },
    60_000,
  );
});
