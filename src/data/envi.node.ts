/**
 * Node convenience for ENVI rasters: a `.hdr` path (and its raw file) to a Cube, read through
 * a file handle in chunks so the raw file is never held in memory beside the cube.
 */
import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { DataError, type Cube } from './cube.ts';
import { ENVI_RAW_SUFFIXES, parseEnviHeader, readEnviFrom, type EnviReadOptions } from './envi.ts';

const RAW_SUFFIXES = ENVI_RAW_SUFFIXES;

async function exists(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** The raw file of `hdrPath`: the same name without `.hdr`, or with one of the usual raw suffixes. */
export async function findEnviRaw(hdrPath: string): Promise<string> {
  const stem = hdrPath.replace(/\.hdr$/i, '');
  // ENVI also writes `name.img.hdr` for `name.img`: the stem itself is then the raw file.
  for (const suffix of RAW_SUFFIXES) {
    const p = stem + suffix;
    if (p !== hdrPath && (await exists(p))) return p;
  }
  throw new DataError(hdrPath, `raw file: expected one of ${RAW_SUFFIXES.map((s) => path.basename(stem + s)).join(', ')} beside the header, found none`, 'pass the raw file path explicitly');
}

/** Reads the ENVI raster described by `hdrPath` (raw file found beside it unless given). */
export async function readEnviFile(hdrPath: string, rawPath?: string, opts: EnviReadOptions = {}): Promise<Cube> {
  let text: string;
  try {
    text = await readFile(hdrPath, 'latin1');
  } catch (e) {
    throw new DataError(hdrPath, `header: cannot read it (${(e as Error).message})`, 'check the path');
  }
  const header = parseEnviHeader(text, path.basename(hdrPath));
  const raw = rawPath ?? (await findEnviRaw(hdrPath));
  const handle = await open(raw, 'r').catch((e: Error) => {
    throw new DataError(raw, `raw file: cannot open it (${e.message})`, 'check the path');
  });
  try {
    const { size } = await handle.stat();
    const read = async (offset: number, length: number): Promise<Uint8Array> => {
      const buf = new Uint8Array(length);
      let got = 0;
      // read() may return fewer bytes than asked; loop until the chunk is full or the file ends.
      while (got < length) {
        const { bytesRead } = await handle.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.subarray(0, got);
    };
    return await readEnviFrom(header, read, size, path.basename(raw), opts);
  } finally {
    await handle.close();
  }
}
