/** Writes the records rely on: a replacement that is all or nothing, and an append that is on disk when it returns. */
import { open, rename, writeFile } from 'node:fs/promises';

/** Writes `text` to `file` atomically (a temporary file renamed over it). */
export async function replaceFile(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

/** Appends `text` to `file` in one write (looping only if the OS writes part of it), synced before it returns. */
export async function appendSynced(file: string, text: string): Promise<void> {
  const bytes = Buffer.from(text);
  const handle = await open(file, 'a');
  try {
    for (let offset = 0; offset < bytes.length;) offset += (await handle.write(bytes, offset)).bytesWritten;
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
