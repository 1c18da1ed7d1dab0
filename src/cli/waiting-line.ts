/** The CLI's line saying what delm's agents waited on, as a mean over the items run in this process. */
import type { RunWorkloadOptions } from '../evaluation/run-workload.js';
import type { ModeResult } from '../modes/result.js';
import type { WaitingByCause } from '../runtime/timeline.js';

const CAUSES: readonly [keyof WaitingByCause, string][] = [
  ['claiming', 'claiming mid-round'],
  ['tail', 'end-of-round tail'],
  ['verifier', 'verifier settling'],
  ['decision', 'final decision'],
];

/** Sums each delm item's waiting by cause (items of other modes carry none and are skipped). */
export class WaitingTally {
  private readonly sums: WaitingByCause = { claiming: 0, tail: 0, verifier: 0, decision: 0 };
  private items = 0;

  add(result: ModeResult): void {
    const waiting = result.run?.waiting;
    if (!waiting) return;
    for (const [cause] of CAUSES) this.sums[cause] += waiting[cause];
    this.items++;
  }

  /** `delm waiting by cause (…): claiming mid-round 1.2 % · …`, or undefined when no delm item ran here. */
  line(): string | undefined {
    if (this.items === 0) return undefined;
    const parts = CAUSES.map(([cause, label]) => `${label} ${((100 * this.sums[cause]) / this.items).toFixed(1)} %`);
    const of = this.items === 1 ? 'the item' : `the ${this.items} items`;
    return `delm agents' time waiting, by cause (mean of ${of} run now): ${parts.join(' · ')}`;
  }
}

/** `display` with `tally` also fed each finished item's result. */
export function tallied<T extends Pick<RunWorkloadOptions, 'onItemDone'>>(display: T, tally: WaitingTally): T {
  return {
    ...display,
    onItemDone: (item, row, result) => {
      tally.add(result);
      display.onItemDone?.(item, row, result);
    },
  };
}
