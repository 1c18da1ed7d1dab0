/**
 * Provider SDK clients shared by every model of one thread that reaches the same endpoint. A client
 * holds configuration, not calls (requests go through fetch, whose connections are pooled per thread
 * anyway), so a thread hosting a thousand agents needs one per endpoint, not one per agent and run:
 * making an OpenAI client costs ~53 µs and ~2 KB, an Anthropic one ~106 µs (1,000 each, Node 20).
 */

const clients = new Map<string, Promise<unknown>>();

/** What both SDKs' clients are made with: the endpoint, and no retries of their own (delm's are the only ones). */
export interface SdkClientOptions {
  apiKey: string;
  baseURL?: string;
  maxRetries: 0;
}

/**
 * The client of `sdk` for `endpoint`, made by `make` from its options the first time it is asked for
 * (the SDK module loads then, so a thread that never calls it never loads it). A client that could
 * not be made is forgotten, so the next call tries again. The key stays in this thread's memory only,
 * as it does in the client itself.
 */
export function sharedClient<T>(
  sdk: string,
  endpoint: { readonly apiKey: string; readonly baseURL: string | undefined },
  make: (options: SdkClientOptions) => Promise<T>,
): Promise<T> {
  const { apiKey, baseURL } = endpoint;
  const key = JSON.stringify([sdk, baseURL ?? null, apiKey]);
  let client = clients.get(key) as Promise<T> | undefined;
  if (!client) {
    client = make({ apiKey, ...(baseURL ? { baseURL } : {}), maxRetries: 0 });
    clients.set(key, client);
    client.catch(() => {
      if (clients.get(key) === client) clients.delete(key);
    });
  }
  return client;
}
