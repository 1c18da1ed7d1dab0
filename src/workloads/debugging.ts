/**
 * The simultaneous-debugging workload: a JavaScript workspace with failing tests becomes one
 * sub-task per failing test; patches are verified in isolated copies and merged at the end.
 */
export {
  loadWorkspace,
  copyWorkspace,
  withWorkspaceCopy,
  listFiles,
  type Workspace,
  type WorkspaceCopy,
} from './debugging/workspace.js';
export {
  applyPatch,
  parsePatch,
  resolveInside,
  patchSchema,
  patchEditSchema,
  type Patch,
  type PatchEdit,
} from './debugging/patch.js';
export { detectTestPlan, type TestPlan, type RunnerKind } from './debugging/runners/detect.js';
export {
  runTests,
  testId,
  type TestRun,
  type TestResult,
  type TestStatus,
  type RunTestsOptions,
} from './debugging/test-runner.js';
export {
  listFailingTests,
  verifyPatch,
  mergePatches,
  type DebugSubTask,
  type TestRef,
  type PatchVerification,
  type MergeCandidate,
  type MergeResult,
  type VerifyOptions,
} from './debugging/verify.js';
export { PatchError, WorkloadFileError, type PatchRejection } from './errors.js';
