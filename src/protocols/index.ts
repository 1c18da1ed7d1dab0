/** The DeLM protocol's pure core: schemas, prompt sections and templates, the digest, the verifier's checks, and the offline skills. */
export * from './kit/schemas.js';
export { renderSections, renderSection, parseSections, sectionBody, sectionsNamed, escapeBody, unescapeBody, DATA_NOT_INSTRUCTIONS, type Section } from './kit/sections.js';
export * from './kit/prompts/index.js';
export { buildDigest, renderDigestLine, isConcrete, isExpiredClaim, labelsOf, DIGEST_KINDS, DEFAULT_PER_KIND, type Digest, type DigestOptions } from './kit/digest.js';
export { verifyProposal, deterministicChecks, type VerifyContext, type VerifyResult } from './kit/verify.js';
export { isPlaceholder, looksLikeInstruction, isRoutineLookup, checkQuote, checkSupport, checkNumbers, checkAnchors, checkAbsence, checkHedges, type SourceLookup } from './kit/checks.js';
export { findRedundant, normaliseForComparison, type RedundancyProbe } from './kit/redundancy.js';
export { acceptedEntry, rejectedEntry, proposalText, proposalLabels, patchSummaryLine, type EntryContext } from './kit/entry.js';
export { registerProtocolSkills } from './delm/offline/register.js';
