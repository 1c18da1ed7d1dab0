/**
 * Wire-server answers from delm's offline model: an OpenAI Chat Completions request is turned back into
 * the completion request it came from (system, messages, structured-output name) and answered as the
 * offline model answers it, with its token counts as the usage. A swarm or a baseline pointed at the
 * server through the real OpenAI SDK then runs end to end as it would offline, every call over HTTP.
 */
import { z } from 'zod';
import { createOfflineModel } from '../../../src/providers/offline.js';
import { registerProtocolSkills } from '../../../src/protocols/delm/offline/register.js';
import type { ChatMessage } from '../../../src/providers/types.js';
import { openaiReply, type Recorded, type Reply } from './wire-server.js';

const offline = createOfflineModel();

/** The offline model's reply to one recorded Chat Completions request. */
export async function offlineAnswer(req: Recorded): Promise<Reply> {
  registerProtocolSkills();
  const messages = (req.body.messages ?? []) as Array<{ role: string; content: string }>;
  const name: string | undefined = req.body.response_format?.json_schema?.name;
  const result = await offline.complete({
    system: messages
      .filter((m) => m.role === 'system')
      .map((m) => m.content)
      .join('\n'),
    messages: messages.filter((m): m is ChatMessage => m.role === 'user' || m.role === 'assistant'),
    ...(name ? { schema: z.unknown(), schemaName: name } : {}),
  });
  return openaiReply(result.text, {
    prompt_tokens: result.usage.inputTokens,
    completion_tokens: result.usage.outputTokens,
    prompt_tokens_details: { cached_tokens: 0 },
  });
}
