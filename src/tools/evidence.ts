/**
 * Tool results as evidence: what the agent host attaches to a proposal (the results it recorded, not
 * anything the model wrote), and how the verifier reads them back — each text checked against its
 * hash, so only what the host recorded can be quoted.
 */
import { z } from 'zod';
import { hashText, type ToolRecord } from './toolbox.js';

/** A tool result attached to a proposal: its label, the tool, the verbatim text and its SHA-256. */
export const ToolEvidenceSchema = z.object({
  label: z.string().min(1).max(120),
  tool: z.string().max(200),
  text: z.string(),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
/** See {@link ToolEvidenceSchema}. */
export type ToolEvidence = z.infer<typeof ToolEvidenceSchema>;

/** Largest total of tool-result text attached to one proposal, in UTF-8 bytes (the proposal channel's messages are 64 KB). */
export const MAX_EVIDENCE_BYTES = 48 * 1024;

/**
 * The records a proposal cites (their labels occur in its body), successful ones only, as evidence, up
 * to {@link MAX_EVIDENCE_BYTES}: a result that does not fit is left off, so quotes from it are rejected.
 */
export function evidenceFor(body: unknown, records: readonly ToolRecord[]): ToolEvidence[] {
  const json = JSON.stringify(body) ?? '';
  const out: ToolEvidence[] = [];
  let bytes = 0;
  for (const r of records) {
    if (r.error || !new RegExp(`"${r.label.replace(/\./g, '\\.')}"|\\b${r.label.replace(/\./g, '\\.')}\\b`).test(json))
      continue;
    const size = Buffer.byteLength(r.text);
    if (bytes + size > MAX_EVIDENCE_BYTES) continue;
    bytes += size;
    out.push({ label: r.label, tool: r.tool, text: r.text, hash: r.hash });
  }
  return out;
}

/** A proposal's tool results (built once: constructing a zod schema costs more than parsing with it). */
const ToolEvidenceListSchema = z.array(ToolEvidenceSchema);

/** Tool results by label, keeping only well-formed ones whose text matches their hash. */
export function evidenceLookup(evidence: unknown): Map<string, string> {
  const map = new Map<string, string>();
  if (evidence === undefined) return map;
  const parsed = ToolEvidenceListSchema.safeParse(evidence);
  if (!parsed.success) return map;
  for (const e of parsed.data) if (hashText(e.text) === e.hash) map.set(e.label, e.text);
  return map;
}
