/**
 * A question-answering workload the agents must work with tools: a folder with `workload.json`
 * naming a questions file (LongBench-v2 items without `context`, each listing the `files` it is
 * about), the folder the documents sit in, and the tools. Nothing of the documents is put in the
 * prompt: one sub-task per file says which file to search. `examples/licence-search` is one.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ToolRefSchema, type ToolsOptions } from '../tools/options.js';
import { WorkspaceEscapeError } from '../tools/errors.js';
import { Workspace } from '../tools/workspace.js';
import type { RunTask } from '../types.js';
import { WorkloadFileError } from './errors.js';
import { utf8Text } from './utf8-text.js';
import { choicesOf, multipleChoiceFields } from './longbench/schema.js';
import { extractAnswer } from './longbench.js';

/** `workload.json` of a tool-search workload. */
export const ToolSearchManifestSchema = z
  .object({
    kind: z.literal('tool-search'),
    /** Questions file, relative to the folder. */
    questions: z.string().min(1),
    /** Folder the tools are confined to, relative to the folder. */
    workspace: z.string().min(1),
    tools: z.array(ToolRefSchema).min(1),
    maxToolCalls: z.number().int().min(1).max(100).optional(),
  })
  .strict();

const QuestionSchema = z.object({
  ...multipleChoiceFields,
  difficulty: z.string().optional(),
  length: z.string().optional(),
  files: z.array(z.object({ file: z.string().min(1), title: z.string().optional() })).min(1),
});
/** One question of a tool-search workload. */
export type ToolSearchQuestion = z.infer<typeof QuestionSchema>;

/** A loaded tool-search workload: its questions as tasks and the tools option its runs need. */
export interface ToolSearchWorkload {
  readonly questions: ToolSearchQuestion[];
  readonly tools: ToolsOptions;
}

async function readJson(file: string): Promise<unknown> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new WorkloadFileError(file, `cannot be read (${(err as Error).message})`, {}, { cause: err });
  }
  const text = utf8Text(bytes, file);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new WorkloadFileError(file, `cannot be read as JSON (${(err as Error).message})`, {}, { cause: err });
  }
}

/** Loads the tool-search workload described by `manifestFile` (a `workload.json`). */
export async function loadToolSearch(manifestFile: string): Promise<ToolSearchWorkload> {
  const dir = path.dirname(manifestFile);
  const manifest = ToolSearchManifestSchema.safeParse(await readJson(manifestFile));
  if (!manifest.success)
    throw new WorkloadFileError(
      manifestFile,
      manifest.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  const questionsFile = path.resolve(dir, manifest.data.questions);
  const raw = await readJson(questionsFile);
  const parsed = z.array(QuestionSchema).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const item = typeof issue.path[0] === 'number' ? issue.path[0] : undefined;
    throw new WorkloadFileError(questionsFile, issue.message, {
      ...(item !== undefined ? { item } : {}),
      field: issue.path.slice(1).join('.'),
    });
  }
  const workspace = path.resolve(dir, manifest.data.workspace);
  await checkFiles(manifestFile, questionsFile, workspace, parsed.data);
  return {
    questions: parsed.data,
    tools: {
      use: manifest.data.tools,
      workspace,
      maxToolCalls: manifest.data.maxToolCalls ?? 8,
      timeoutMs: 10_000,
      maxOutputBytes: 16_384,
    },
  };
}

/**
 * Refuses, before anything runs, a workspace that is not a folder and a question naming a file that
 * is not in it (missing, or a path out of it): each would only fail later, item by item, as tool
 * errors and wrong answers scored like any other. Paths are resolved as the tools resolve them
 * ({@link Workspace}), so a file loads here exactly when `read_file` could open it.
 */
async function checkFiles(
  manifestFile: string,
  questionsFile: string,
  dir: string,
  questions: readonly ToolSearchQuestion[],
): Promise<void> {
  let workspace: Workspace;
  try {
    workspace = await Workspace.open(dir);
  } catch (err) {
    throw new WorkloadFileError(
      manifestFile,
      `workspace ${dir} is not a folder`,
      { field: 'workspace' },
      { cause: err },
    );
  }
  for (const [item, q] of questions.entries())
    for (const [i, { file }] of q.files.entries()) {
      const where = { item, itemId: q._id, field: `files.${i}.file` };
      const found = await workspace.resolve(file, 'read_file').catch((err: unknown) => {
        if (err instanceof WorkspaceEscapeError)
          throw new WorkloadFileError(questionsFile, `${file} is outside the workspace ${dir} (${err.message})`, where);
        return undefined;
      });
      if (!found || !(await stat(found.real)).isFile())
        throw new WorkloadFileError(questionsFile, `${file} is not a file in the workspace ${dir}`, where);
    }
}

/** The run task of a question: the question, one sub-task per file it is about (naming the file), no document text. */
export function questionToTask(q: ToolSearchQuestion): RunTask {
  return {
    prompt: q.question,
    subTasks: q.files.map((f) => ({
      payload: `Search ${f.file}${f.title ? ` (${f.title})` : ''} with the tools and report what bears on the question.`,
    })),
    meta: { choices: choicesOf(q), itemId: q._id },
  };
}

/** Scores an answer to `q` by LongBench-v2's rule (the choice letter); `expected` is the right letter. */
export function scoreQuestion(
  q: ToolSearchQuestion,
  answer: string | undefined,
): { correct: boolean; predicted: string; expected: string } {
  const predicted = extractAnswer(answer ?? '');
  return { correct: predicted === q.answer, predicted: predicted ?? '-', expected: q.answer };
}
