/**
 * `delm/protocols`: everything a protocol author needs — the {@link SwarmProtocol} contract with
 * every hook's types, the built-in protocols to read or wrap, and the kit they are built from
 * (digest, ledger view, typed entries, evidence checks, prompt sections and templates).
 * @packageDocumentation
 */
export {
  defineProtocol,
  type SwarmProtocol,
  type PlanIO,
  type AgentIO,
  type VerifierIO,
  type ClaimedTask,
  type TaskSpec,
  type CallModelInput,
  type StepResult,
  type UnfoldedDetail,
  type DecideInput,
  type Decision,
  type ProposalEnvelope,
  type ProtocolVerdict,
  type OfflineSkill,
  type RunTask,
  type SourceDocument,
} from './kit/protocol.js';
export { BUILT_IN_PROTOCOLS } from './built-in.js';
export type { BuiltInProtocolName } from './registry.js';
export { protocol as basicProtocol, BasicProposalSchema, type BasicProposal } from './basic/protocol.js';
export { protocol as delmProtocol, DelmRunSettingsSchema, type DelmRunSettings } from './delm/protocol.js';
export { protocol as debugProtocol, DebugTaskMetaSchema } from './debug/protocol.js';

// The kit
export { buildDigest, renderDigestLine, DIGEST_KINDS, type Digest, type DigestOptions } from './kit/digest.js';
export { viewOf, LedgerView } from './kit/ledger-view.js';
export { CAPS, ProposalSchema, type Proposal, type ProposalKind } from './kit/schemas.js';
export { acceptedEntry, rejectedEntry, proposalText, answerWithCitations, type EntryContext } from './kit/entry.js';
export { verifyProposal, deterministicChecks, type VerifyContext, type VerifyResult } from './kit/verify.js';
export { checkQuote, looksLikeInstruction, isPlaceholder, type SourceLookup } from './kit/checks.js';
export { renderSections, parseSections, DATA_NOT_INSTRUCTIONS, type Section } from './kit/sections.js';
export type { PromptTemplate, PromptDocument, Choices } from './kit/prompts/template.js';

// What hooks receive
export type { EntryKind, LedgerEntry, LedgerEntryInput, ContextLedger, LedgerWriter } from '../ledger/types.js';
export type { LanguageModel, CompletionRequest, CompletionResult, ChatMessage } from '../providers/types.js';
export { countTokens } from '../providers/tokenizer.js';
