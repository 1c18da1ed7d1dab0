import { DelmError } from '../errors.js';

/** Where in a workload file a problem was found: the item (index, and `_id` when known) and the field. */
export interface FileLocation {
  readonly item?: number;
  readonly itemId?: string;
  readonly field?: string;
}

/**
 * A workload file or folder could not be used: it is missing (`NOT_FOUND`) or malformed
 * (`INVALID_ARGUMENT`). The message names the file, and the item and field when there is one.
 */
export class WorkloadFileError extends DelmError {
  readonly file: string;
  readonly item: number | undefined;
  readonly itemId: string | undefined;
  readonly field: string | undefined;

  constructor(
    file: string,
    problem: string,
    location: FileLocation = {},
    options?: { code?: 'INVALID_ARGUMENT' | 'NOT_FOUND'; cause?: unknown },
  ) {
    super(options?.code ?? 'INVALID_ARGUMENT', `${file}${describeLocation(location)}: ${problem}`, options);
    this.file = file;
    this.item = location.item;
    this.itemId = location.itemId;
    this.field = location.field;
  }
}

function describeLocation({ item, itemId, field }: FileLocation): string {
  const parts: string[] = [];
  if (item !== undefined) parts.push(`item ${item}${itemId !== undefined ? ` (_id ${JSON.stringify(itemId)})` : ''}`);
  if (field !== undefined) parts.push(`field "${field}"`);
  return parts.length ? `: ${parts.join(', ')}` : '';
}

/** Why a patch was refused; nothing was written when it was. */
export type PatchRejection = 'invalid' | 'outside-workspace' | 'missing-file' | 'no-match' | 'ambiguous-match';

/** A patch could not be applied; `file` is the workspace-relative path concerned, `reason` why. */
export class PatchError extends DelmError {
  constructor(
    readonly reason: PatchRejection,
    readonly file: string,
    message: string,
  ) {
    super('INVALID_ARGUMENT', message);
  }
}
