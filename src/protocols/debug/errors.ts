/** Errors of the debugging protocol. */
import { DelmError } from '../../errors.js';

/**
 * The model proposed, `times` times, a patch for `testId` that was already rejected (`rejection`: which
 * entry or attempt rejected it, and why), after being told so each time: the sub-task fails with this
 * rather than spend more calls and test runs on it (code `REPEATED_PROPOSAL`).
 */
export class RepeatedProposalError extends DelmError {
  constructor(
    readonly testId: string,
    readonly times: number,
    readonly rejection: string,
  ) {
    super(
      'REPEATED_PROPOSAL',
      `giving up on ${testId}: the model proposed ${times} times a patch already rejected (${rejection}), though told so each time`,
    );
  }
}
