/** The DeLM protocol's pure core: schemas, prompt sections and templates, the digest, the verifier's checks, and the offline skills. */
export * from './schemas.js';
export { renderSections, renderSection, parseSections, sectionBody, sectionsNamed, escapeBody, unescapeBody, DATA_NOT_INSTRUCTIONS, type Section } from './sections.js';
export * from './prompts/index.js';
export { buildDigest, renderDigestLine, isConcrete, isExpiredClaim, labelsOf, DIGEST_KINDS, DEFAULT_PER_KIND, type Digest, type DigestOptions } from './digest.js';
export { verifyProposal, deterministicChecks, type VerifyContext, type VerifyResult } from './verify.js';
export { isPlaceholder, looksLikeInstruction, isRoutineLookup, checkQuote, checkSupport, checkNumbers, checkAnchors, checkAbsence, checkHedges, type SourceLookup } from './checks.js';
export { findRedundant, normaliseForComparison, type RedundancyProbe } from './redundancy.js';
export { acceptedEntry, rejectedEntry, proposalText, proposalLabels, patchSummaryLine, type EntryContext } from './entry.js';
export { registerProtocolSkills } from './offline/register.js';
