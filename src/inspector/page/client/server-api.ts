/** The page's connection to its server: JSON endpoints and the event stream, with the page's token. */

/** The server refused the token (the page then says how to pass it). */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
}

/** `?token=…` as the page was opened with, to pass on to the data endpoints. */
export function tokenQuery(search: string): string {
  const token = new URLSearchParams(search).get('token');
  return token ? `?token=${encodeURIComponent(token)}` : '';
}

/** GETs `path` (relative to the page) as JSON. */
export async function getJson(path: string, query: string): Promise<unknown> {
  const res = await fetch(path + query, { headers: { accept: 'application/json' } });
  if (res.status === 401) throw new UnauthorizedError('unauthorized');
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

/** Handlers of the event stream. */
export interface StreamHandlers {
  /** Connected; `again` when this is a reconnect (events may have been missed meanwhile). */
  open(again: boolean): void;
  /** Lost; `closed` when the browser gave up reconnecting. */
  error(closed: boolean): void;
  /** A message's parsed JSON. */
  message(kind: 'runs' | 'events', data: unknown): void;
  /** A message that was not JSON. */
  bad(error: Error): void;
}

/** Opens the server's event stream. */
export function connect(query: string, on: StreamHandlers): EventSource {
  const source = new EventSource(`events${query}`);
  let everOpen = false;
  source.addEventListener('open', () => {
    on.open(everOpen);
    everOpen = true;
  });
  source.addEventListener('error', () => on.error(source.readyState === EventSource.CLOSED));
  for (const kind of ['runs', 'events'] as const) {
    source.addEventListener(kind, (ev) => {
      let data: unknown;
      try {
        data = JSON.parse((ev as MessageEvent<string>).data);
      } catch (error) {
        on.bad(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      on.message(kind, data);
    });
  }
  return source;
}
