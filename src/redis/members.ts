/**
 * Membership of a run on Redis: every process taking part (the coordinator, `delm worker`s, `delm
 * resume`) keeps a key `m:<member id>` with an expiry, refreshed well inside it, and its id in the set
 * `m:index`. A process that exits cleanly removes its key; one that dies (SIGKILL, a lost machine)
 * drops out when its key expires. A key holds what an operator needs to see — host name, pid, role,
 * agent ids, thread count, the usage of its model calls so far — and never anything from the
 * environment. Each process's usage also stays in the hash `r:usage` after it left, so the run's usage
 * sums every process's. Each change is one call of the delm library (functions/members.lua.ts).
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { connect, fcall, runPrefix, type RedisClient, type RedisTarget } from './client.js';
import { ensureLibrary, FN } from './library.js';

/** What a process does in the run. */
export type MemberRole = 'coordinator' | 'worker' | 'resume';

/** One live process of a run, as its member key holds it. */
export interface RunMember {
  /** Unique per process and run: `<host>:<pid>:<random>`. */
  id: string;
  host: string;
  pid: number;
  role: MemberRole;
  /** Ids of the agents this process runs now. */
  agents: number[];
  /** Agent worker threads of this process (agents share them when the swarm has `threads`). */
  threads: number;
  /** This process's verifier: `active` (the run's writer at start), `standby` (takes over on failover), or none. */
  verifier: 'active' | 'standby' | 'none';
  /** ms since the epoch when this process joined (its own clock). */
  joinedAt: number;
  /** Its model calls so far, as of its last refresh. */
  usage?: MemberUsage | undefined;
}

/** What one process's model calls used (or the sum over a run's processes). */
export interface MemberUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  modelCalls: number;
  costUsd: number;
}

const UsageSchema = z.object({
  inputTokens: z.number(),
  outputTokens: z.number(),
  cachedInputTokens: z.number(),
  modelCalls: z.number(),
  costUsd: z.number(),
});

const MemberSchema = z.object({
  id: z.string(),
  host: z.string(),
  pid: z.number().int(),
  role: z.enum(['coordinator', 'worker', 'resume']),
  agents: z.array(z.number().int()),
  threads: z.number().int(),
  verifier: z.enum(['active', 'standby', 'none']),
  joinedAt: z.number(),
  usage: UsageSchema.optional(),
});

/** Default expiry of a member key; it is refreshed every third of it. */
export const MEMBER_TTL_MS = 10_000;
/** A change of this process's agents is written this soon (a burst of agents starting, one write). */
const CHANGE_WRITE_MS = 100;

/** Live members of run `runId`, oldest first; ids of expired members are dropped from the index on the way. */
export async function listMembers(target: RedisTarget, runId: string): Promise<RunMember[]> {
  const prefix = runPrefix(runId);
  const { client, owned } = await connect(target);
  try {
    await ensureLibrary(client);
    return await readMembers(client, prefix);
  } finally {
    if (owned) await client.close();
  }
}

async function readMembers(client: RedisClient, prefix: string): Promise<RunMember[]> {
  const values = (await fcall(client, `${FN}m_list`, prefix, [])) as string[];
  const members: RunMember[] = [];
  for (const value of values) {
    const parsed = MemberSchema.safeParse(safeJson(value));
    if (parsed.success) members.push(parsed.data);
  }
  return members.sort((a, b) => a.joinedAt - b.joinedAt || a.id.localeCompare(b.id));
}

/**
 * The usage of run `runId`'s model calls over every process that took part (live or gone), as each
 * last recorded it.
 */
export async function runUsage(target: RedisTarget, runId: string): Promise<MemberUsage> {
  const prefix = runPrefix(runId);
  const { client, owned } = await connect(target);
  try {
    await ensureLibrary(client);
    return await readUsage(client, prefix);
  } finally {
    if (owned) await client.close();
  }
}

async function readUsage(client: RedisClient, prefix: string): Promise<MemberUsage> {
  const sum: MemberUsage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, modelCalls: 0, costUsd: 0 };
  for (const value of (await fcall(client, `${FN}m_usage`, prefix, [])) as string[]) {
    const parsed = UsageSchema.safeParse(safeJson(value));
    if (!parsed.success) continue;
    sum.inputTokens += parsed.data.inputTokens;
    sum.outputTokens += parsed.data.outputTokens;
    sum.cachedInputTokens += parsed.data.cachedInputTokens;
    sum.modelCalls += parsed.data.modelCalls;
    sum.costUsd += parsed.data.costUsd;
  }
  return sum;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What a process says about itself when it joins (the rest is filled in). */
export interface MemberInfo {
  role: MemberRole;
  agents: number[];
  threads: number;
  verifier: RunMember['verifier'];
}

/** This process's membership of a run: refreshed on a timer until {@link leave}. */
export class RedisMembership {
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private left = false;

  private constructor(
    private readonly client: RedisClient,
    private readonly owned: boolean,
    private readonly prefix: string,
    private member: RunMember,
    /** Expiry of the member key, ms. */
    readonly ttlMs: number,
    private readonly usage: (() => MemberUsage) | undefined,
  ) {}

  /**
   * Joins run `runId`: writes the member key (expiring after `ttlMs`) and refreshes it every third of
   * that, each time with what `usage` (this process's model calls so far) says.
   */
  static async join(
    target: RedisTarget,
    runId: string,
    info: MemberInfo,
    ttlMs = MEMBER_TTL_MS,
    usage?: () => MemberUsage,
  ): Promise<RedisMembership> {
    const prefix = runPrefix(runId);
    const { client, owned } = await connect(target);
    const host = hostname();
    const member: RunMember = {
      id: `${host}:${process.pid}:${randomBytes(4).toString('hex')}`,
      host,
      pid: process.pid,
      ...info,
      joinedAt: Date.now(),
    };
    const membership = new RedisMembership(client, owned, prefix, member, ttlMs, usage);
    try {
      await ensureLibrary(client);
      await membership.write();
    } catch (error) {
      if (owned) client.destroy();
      throw error;
    }
    membership.timer = setInterval(() => void membership.refresh(), Math.max(50, Math.floor(ttlMs / 3)));
    membership.timer.unref();
    return membership;
  }

  /** This process's member id. */
  get id(): string {
    return this.member.id;
  }

  /** Live members of the run (this one included while it is live). */
  members(): Promise<RunMember[]> {
    return readMembers(this.client, this.prefix);
  }

  /** The run's usage over every process that took part, this one's as of now included. */
  async runUsage(): Promise<MemberUsage> {
    await this.refresh();
    return readUsage(this.client, this.prefix);
  }

  /** The agents this process runs changed: written soon (changes in a burst, one write) and with every refresh. */
  setAgents(agents: number[]): void {
    this.member = { ...this.member, agents: [...agents].sort((a, b) => a - b) };
    if (this.soon || this.left) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.refresh();
    }, CHANGE_WRITE_MS);
    this.soon.unref();
  }

  private async write(): Promise<void> {
    const usage = this.usage?.();
    if (usage) this.member = { ...this.member, usage };
    await fcall(this.client, `${FN}m_beat`, this.prefix, [
      this.member.id,
      JSON.stringify(this.member),
      String(this.ttlMs),
      usage ? JSON.stringify(usage) : '',
    ]);
  }

  /** Writes the key again (one write at a time); a failure waits for the next tick. */
  private refresh(): Promise<void> {
    this.writing = this.writing.then(async () => {
      if (!this.left) await this.write().catch(() => undefined);
    });
    return this.writing;
  }

  /** Removes this process's key and index entry (a clean exit) and closes its connection. */
  async leave(): Promise<void> {
    if (this.left) return;
    this.left = true;
    clearInterval(this.timer);
    clearTimeout(this.soon);
    await this.writing;
    const usage = this.usage?.();
    await fcall(this.client, `${FN}m_leave`, this.prefix, [this.member.id, usage ? JSON.stringify(usage) : '']).catch(
      () => undefined,
    );
    if (this.owned) await this.client.close().catch(() => undefined);
  }
}
