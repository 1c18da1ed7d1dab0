/** Errors specific to the proposal channel. */
import { DelmError } from '../errors.js';

/** A message is larger than the channel's slot; nothing was sent. */
export class MessageTooLargeError extends DelmError {
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(
      'MESSAGE_TOO_LARGE',
      `message is ${bytes} UTF-8 bytes but the channel's limit is ${limit}; raise maxMessageBytes or send large detail by reference`,
    );
  }
}

/** `send` waited its whole timeout for a free slot; nothing was sent. */
export class ChannelFullError extends DelmError {
  constructor(
    readonly capacity: number,
    readonly waitedMs: number,
  ) {
    super(
      'CHANNEL_FULL',
      `channel stayed full (${capacity} slots) for ${waitedMs} ms: the consumer is not keeping up; raise slots or the send timeout`,
    );
  }
}

/** The channel was closed; nothing more can be sent. */
export function channelClosedError(): DelmError {
  return new DelmError('CLOSED', 'channel is closed: no more messages can be sent');
}
