/**
 * Fits the orchestrator's prompts to the model's context window, by the single pass's rule: documents
 * are cut in the middle (LongBench-v2's truncation, {@link truncateMiddle}), each cut document says so,
 * and the prompt says how many tokens were cut. Only the manager's conversation has more to give:
 * when its reports alone overflow, the oldest turns' reports give way to a line saying so.
 */
import { DelmError } from '../errors.js';
import type { PromptDocument } from '../protocols/kit/prompts/template.js';
import type { ChatMessage } from '../providers/types.js';
import { countTokens } from '../providers/tokenizer.js';
import { truncateMiddle } from './truncate.js';
import { REPLY_RESERVE_TOKENS } from './context-window.js';

/** A user message fitted to the window, and the document tokens cut from it. */
export interface FittedMessage {
  content: string;
  cutTokens: number;
}

/** Counts each document text once: the manager re-fits the same documents before every turn. */
export class DocumentSizes {
  private readonly sizes = new Map<string, number>();
  /** Tokens of `text`, counted on first sight. */
  readonly count = (text: string): number => {
    let n = this.sizes.get(text);
    if (n === undefined) this.sizes.set(text, (n = countTokens(text)));
    return n;
  };
}

/**
 * The message `render(documents, cutTokens)` builds, with `documents` cut in the middle until the
 * message plus `otherTokens` (system prompt, other turns) is at most `limit` tokens. When not even
 * a message without documents fits, it is that message (the caller decides what else gives way).
 */
export function fitDocuments(
  documents: readonly PromptDocument[],
  render: (documents: readonly PromptDocument[], cutTokens: number) => string,
  limit: number,
  otherTokens: number,
  sizes: DocumentSizes = new DocumentSizes(),
): FittedMessage {
  const total = documents.reduce((n, d) => n + sizes.count(d.text), 0);
  const frame = countTokens(render([], 0));
  if (frame + total + otherTokens <= limit) {
    const content = render(documents, 0);
    if (countTokens(content) + otherTokens <= limit) return { content, cutTokens: 0 };
  }
  // The cut's own markers and the note take tokens too: cut more until the rendered message fits.
  let budget = limit - otherTokens - frame - 64;
  for (let attempt = 0; attempt < 8 && budget > 0; attempt++) {
    const cut = truncateMiddle(documents, budget, sizes.count);
    const content = render(cut.documents, cut.cutTokens);
    const over = countTokens(content) + otherTokens - limit;
    if (over <= 0) return { content, cutTokens: cut.cutTokens };
    budget -= over + 64;
  }
  return { content: render([], total), cutTokens: total };
}

/** Tokens of a system prompt and messages, as the window holds them. */
export function promptTokens(system: string, messages: readonly ChatMessage[]): number {
  return messages.reduce((n, m) => n + countTokens(m.content), countTokens(system));
}

/**
 * `messages` with the user turns between the first and the last (earlier workers' reports) replaced,
 * oldest first, by a line saying they were cut, until the prompt fits in `limit`. Throws
 * MESSAGE_TOO_LARGE when even that does not fit: sending it would only be refused by the model.
 */
export function fitTurns(
  system: string,
  messages: readonly ChatMessage[],
  limit: number,
  window: number,
): ChatMessage[] {
  const out = [...messages];
  let tokens = promptTokens(system, out);
  for (let i = 1; tokens > limit && i < out.length - 1; i++) {
    const m = out[i]!;
    if (m.role !== 'user') continue;
    const was = countTokens(m.content);
    out[i] = {
      role: 'user',
      content: `[… this turn's ${was} tokens of workers' reports were cut to fit the model's ${window}-token window …]`,
    };
    tokens += countTokens(out[i]!.content) - was;
  }
  if (tokens > limit)
    throw new DelmError(
      'MESSAGE_TOO_LARGE',
      `the manager's prompt needs ${tokens} tokens with every document and earlier report cut; the model's window is ${window}`,
    );
  return out;
}

/** The manager's first turn: its documents, and how it renders them (with the tokens cut from them). */
export interface ManagerFirstTurn {
  documents: readonly PromptDocument[];
  render: (documents: readonly PromptDocument[], cutTokens: number) => string;
}

/**
 * The manager's prompt for one call, fitted to `window` less the reply's room: `conversation[0]` (a
 * placeholder) becomes the first turn rendered with its documents cut to what the later turns leave,
 * and when the later turns alone overflow, the oldest reports give way ({@link fitTurns}).
 */
export function fitManagerPrompt(
  system: string,
  conversation: readonly ChatMessage[],
  first: ManagerFirstTurn,
  window: number,
  sizes: DocumentSizes,
): { messages: ChatMessage[]; cutTokens: number } {
  const limit = window - REPLY_RESERVE_TOKENS;
  const rest = conversation.slice(1);
  const fitted = fitDocuments(first.documents, first.render, limit, promptTokens(system, rest), sizes);
  return {
    messages: fitTurns(system, [{ role: 'user', content: fitted.content }, ...rest], limit, window),
    cutTokens: fitted.cutTokens,
  };
}
