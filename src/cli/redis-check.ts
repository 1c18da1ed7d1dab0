/** What the Redis-backed commands check before they start anything: the URL, and that Redis answers. */
import { connect } from '../redis/client.js';

/** Connects once and closes: INVALID_CONFIG for a URL that is not Redis's, REDIS_UNAVAILABLE when nothing answers. */
export async function checkRedis(url: string): Promise<void> {
  const { client } = await connect({ url });
  await client.close();
}
