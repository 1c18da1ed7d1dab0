/** The debugging protocol's offline skills: program repair by mutation search (not an LLM). */
import type { OfflineSkill } from '../../kit/protocol.js';
import { registerOfflineSkill } from '../../../providers/offline.js';
import { patchPrompt } from '../../kit/prompts/patch.js';
import { patchSkill } from './patch.js';

/** Schema name → skill, for every debugging prompt the offline model can answer. */
export const DEBUG_SKILLS: ReadonlyArray<readonly [string, OfflineSkill]> = [[patchPrompt.schemaName, patchSkill]];

/** Registers every skill in {@link DEBUG_SKILLS} with the offline model in this thread (idempotent). */
export function registerDebugSkills(): void {
  for (const [name, skill] of DEBUG_SKILLS) registerOfflineSkill(name, (prompt) => skill(prompt));
}
