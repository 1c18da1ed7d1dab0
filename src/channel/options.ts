/** Options of a shared channel, validated with zod. */
import { z } from 'zod';
import { describeIssues } from '../internal/parse.js';
import { InvalidConfigError } from '../errors.js';
import { ManualClockSchema } from '../internal/clock.js';

/** Schema of {@link ChannelOptions}. */
export const ChannelOptionsSchema = z
  .object({
    /** Ring slots; rounded up to a power of two. */
    slots: z
      .number()
      .int()
      .min(2)
      .max(1 << 20)
      .default(256),
    /** Largest message in UTF-8 bytes; a bigger one throws MESSAGE_TOO_LARGE. */
    maxMessageBytes: z
      .number()
      .int()
      .min(1)
      .max(64 << 20)
      .default(64 << 10),
    /** How long the consumer waits on a slot that was reserved but never published before skipping it. */
    abandonMs: z.number().int().min(1).max(3_600_000).default(2_000),
    /** Default wait of `send` for room before CHANNEL_FULL. */
    sendTimeoutMs: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(30_000),
    /** Time for abandonment and timeouts in every attached thread; default: the real clock. */
    clock: ManualClockSchema.optional(),
  })
  .strict()
  .refine((o) => 2 ** Math.ceil(Math.log2(o.slots)) * Math.ceil(o.maxMessageBytes / 8) * 8 <= 2 ** 31 - 1, {
    message: 'slots × maxMessageBytes must stay under 2 GiB',
  });

/** Options of `SharedChannel.create`. */
export type ChannelOptions = z.input<typeof ChannelOptionsSchema>;

/** Parses channel options or throws InvalidConfigError listing each problem. */
export function parseChannelOptions(options: ChannelOptions): z.output<typeof ChannelOptionsSchema> {
  const parsed = ChannelOptionsSchema.safeParse(options);
  if (!parsed.success) throw new InvalidConfigError('invalid channel options', describeIssues(parsed.error));
  return parsed.data;
}
