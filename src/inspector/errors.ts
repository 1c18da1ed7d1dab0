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

/** The page's script is neither built (`npm run build`) nor can it be bundled from the sources here. */
export class InspectorPageError extends DelmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NOT_FOUND', message, options);
  }
}
