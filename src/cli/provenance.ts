/**
 * What summary.json records so a run can be checked and repeated: SHA-256 hashes of the files
 * written (a summary that does not describe the scores beside it is detectable), and where the
 * run came from: hsi-gpu version, the command line, when, the input files' sizes and hashes,
 * and the variables read.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { version } from '../index.ts';
import { findEnviRaw } from '../data/envi.node.ts';
import { sceneExt } from '../data/scene.ts';

/** SHA-256 of a file, hex. */
export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** SHA-256 of every plain file in `dir`, by name. */
export async function folderHashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort()) out[f] = await sha256File(path.join(dir, f));
  return out;
}

export interface InputRecord {
  file: string;
  bytes: number;
  sha256: string;
}

/** Size and hash of a scene file (and of an ENVI header's raw file). */
export async function inputRecords(file: string): Promise<InputRecord[]> {
  const files = [file, ...(sceneExt(file) === '.hdr' ? [await findEnviRaw(file)] : [])];
  return Promise.all(files.map(async (f) => ({ file: f, bytes: (await stat(f)).size, sha256: await sha256File(f) })));
}

/** A command line as a shell would take it back (arguments with spaces or quotes quoted). */
export const commandLine = (argv: string[]): string =>
  ['hsi', ...argv].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');

/** The summary's `provenance`: version, command, time, inputs and variables. */
export async function provenance(file: string | null, extra: Record<string, unknown>): Promise<Record<string, unknown>> {
  return {
    hsiGpu: version, command: commandLine(process.argv.slice(2)), timestamp: new Date().toISOString(),
    inputs: file ? await inputRecords(file) : [], ...extra,
  };
}
