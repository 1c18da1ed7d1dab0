/** Tool turns as plain text, for models that read a prompt as one string (and count its tokens). */
import type { CompletionRequest } from './types.js';

/** The text of a request's tool turns (calls and results), as a model would read it after its messages. */
export function toolTurnText(request: CompletionRequest<unknown>): string {
  return (request.toolTurns ?? [])
    .map(
      (t) =>
        `\n${t.text}\n${t.calls.map((c) => `${c.name} ${JSON.stringify(c.input)}`).join('\n')}\n${t.results.map((r) => r.content).join('\n')}`,
    )
    .join('');
}
