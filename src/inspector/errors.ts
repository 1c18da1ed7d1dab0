/** Errors of the inspector. */
import { DelmError } from '../errors.js';

/** A trajectory to replay could not be read: not JSON lines, or no valid event in it. */
export class ReplayFileError extends DelmError {
  constructor(
    readonly file: string,
    message: string,
    readonly line?: number,
  ) {
    super('INVALID_ARGUMENT', `${file}${line !== undefined ? `:${line}` : ''}: ${message}`);
  }
}
