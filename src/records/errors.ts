/** Errors of a records folder, met by the CLI's `run` and `bench` (not exported: the library keeps no records). */
import { DelmError } from '../errors.js';

/** One setting on which a resumed run and the records it would continue differ. */
export interface SettingDifference {
  readonly setting: string;
  /** The value the records folder's run.json holds. */
  readonly recorded: string;
  /** The value the resuming command asks for. */
  readonly given: string;
}

/**
 * `--resume` of a records folder that holds another run: another workload, its content, mode, model or
 * a setting that changes results. Code INVALID_ARGUMENT (the CLI exits 2); `differences` names each.
 */
export class ResumeMismatchError extends DelmError {
  constructor(
    message: string,
    readonly differences: readonly SettingDifference[],
  ) {
    super('INVALID_ARGUMENT', message);
  }
}
