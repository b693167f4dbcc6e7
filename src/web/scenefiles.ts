/**
 * The app's side of opening a scene: picked or dropped `File`s to a cube and map, through the
 * same readers and variable choice as the command line (data/scene.ts). ENVI rasters come as
 * two files (the .hdr and its raw file, matched by the names ENVI tools write) and are read
 * through `File.slice` in chunks, so a large raw file is never copied whole (data/envi.ts).
 */
import { countNonFinite, DataError, handleNonFinite, type Cube, type LabelMap } from '../data/cube.ts';
import { ENVI_RAW_SUFFIXES, readEnviBlob } from '../data/envi.ts';
import { listMatVariables, readMatMap } from '../data/mat.ts';
import { checkMapSize, checkSceneFormat, readSceneBytes, sceneExt, SCENE_FORMATS, type Scene } from '../data/scene.ts';

/** The user's choices when a file needs them (the CLI's --data, --map, --non-finite). */
export interface OpenOptions {
  data?: string;
  map?: string | false;
  /** Replace NaN/Inf by band means (the CLI's --non-finite band-mean) instead of refusing them. */
  fillNonFinite?: boolean;
}

/** A scene read from the user's files. */
export interface OpenedScene {
  cube: Cube;
  /** As stored: class labels when integer, else 0/1 (data/mat.ts mapKind 'auto'). */
  map?: LabelMap;
  file: string;
  /** The ground truth's own file, when it came in one. */
  mapFile?: string;
  nonFinite: number;
}

/** A .mat file whose variable choice is ambiguous (or names a wrong one): the variables to pick from. */
export class AmbiguousMatError extends Error {
  override name = 'DataError';
  constructor(message: string, readonly choices: { cubes: string[]; maps: string[] }) {
    super(message);
  }
}

const NON_FINITE = /(\d+) NaN\/Inf values in the cube/;

/**
 * Reads the scene the files hold: one .mat/.tif/.npy file, an ENVI .hdr with its raw file, or two
 * .mat files, a scene and its ground truth in a file of its own (SalinasA_gt.mat; the CLI's --gt).
 */
export async function openFiles(files: File[], opts: OpenOptions = {}): Promise<OpenedScene> {
  const hdr = files.find((f) => sceneExt(f.name) === '.hdr');
  if (hdr) return openEnvi(hdr, files, opts);
  if (files.length === 2 && files.every((f) => sceneExt(f.name) === '.mat')) return openWithGt(files, opts);
  if (files.length !== 1) {
    throw new DataError(files.map((f) => f.name).join(', ') || 'files', `expected one scene file (${SCENE_FORMATS}), an ENVI .hdr with its raw file, or a .mat scene with its ground-truth .mat, got ${files.length} files`, 'open one scene at a time');
  }
  const [file] = files;
  checkSceneFormat(file.name);
  const bytes = new Uint8Array(await file.arrayBuffer());
  try {
    return { ...(await readFilling(file.name, bytes, opts)), file: file.name };
  } catch (e) {
    throw sceneExt(file.name) === '.mat' && e instanceof DataError ? await withChoices(e, bytes, file.name) : e;
  }
}

/** readSceneBytes refusing NaN/Inf, or replacing them by band means when asked; returns how many. */
async function readFilling(name: string, bytes: Uint8Array, opts: OpenOptions): Promise<Scene & { nonFinite: number }> {
  const read = async (fill: boolean): Promise<Scene> => {
    const o = { data: opts.data, map: opts.map, nonFinite: fill ? 'band-mean' : 'error' } as const;
    try {
      return await readSceneBytes(name, bytes, { ...o, mapKind: 'auto' });
    } catch (e) {
      // A map with NaN and fractions is no label map; `hsi detect` reads it as value > 0 = anomaly.
      if (!(e instanceof DataError && /labels: expected integers/.test(e.message))) throw e;
      return readSceneBytes(name, bytes, { ...o, mapKind: 'anomaly' });
    }
  };
  try {
    return { ...(await read(false)), nonFinite: 0 };
  } catch (e) {
    const m = e instanceof DataError ? NON_FINITE.exec(e.message) : null;
    if (!m || !opts.fillNonFinite) throw e;
    return { ...(await read(true)), nonFinite: Number(m[1]) };
  }
}

/** A scene .mat and a ground-truth .mat (the one without a cube), its map checked against the cube. */
async function openWithGt(files: File[], opts: OpenOptions): Promise<OpenedScene> {
  const bytes = await Promise.all(files.map(async (f) => new Uint8Array(await f.arrayBuffer())));
  const vars = await Promise.all(files.map((f, i) => listMatVariables(bytes[i], f.name)));
  const hasCube = vars.map((v) => v.some((x) => x.kind === 'cube'));
  if (hasCube[0] === hasCube[1]) {
    throw new DataError(`${files[0].name}, ${files[1].name}`, `expected a scene .mat and a ground-truth .mat without a cube, got ${hasCube[0] ? 'two' : 'no'} files with a cube`, 'open one scene at a time');
  }
  const [s, g] = hasCube[0] ? [0, 1] : [1, 0];
  const scene = await readFilling(files[s].name, bytes[s], { ...opts, map: false });
  const map = await readMatMap(bytes[g], files[g].name, { mapKind: 'labels' });
  checkMapSize(files[g].name, scene.cube, map);
  return { ...scene, map, file: files[s].name, mapFile: files[g].name };
}

/** A .mat error with the file's cube and map variables attached, when there is a choice to make. */
async function withChoices(e: DataError, bytes: Uint8Array, name: string): Promise<Error> {
  let vars;
  try {
    vars = await listMatVariables(bytes, name);
  } catch {
    return e;
  }
  const cubes = vars.filter((v) => v.kind === 'cube').map((v) => v.name);
  const maps = vars.filter((v) => v.kind === 'map').map((v) => v.name);
  return cubes.length > 1 || maps.length > 1 ? new AmbiguousMatError(e.message, { cubes, maps }) : e;
}

async function openEnvi(hdr: File, files: File[], opts: OpenOptions): Promise<OpenedScene> {
  const stem = hdr.name.replace(/\.hdr$/i, '');
  const rawNames = ENVI_RAW_SUFFIXES.map((s) => stem + s).filter((n) => n !== hdr.name);
  const raw = rawNames.map((n) => files.find((f) => f.name === n)).find((f) => f !== undefined);
  if (!raw) throw new DataError(hdr.name, `raw file: expected one of ${rawNames.join(', ')} with the header, got ${files.map((f) => f.name).join(', ')}`, 'open the header and its raw file together');
  const cube = await readEnviBlob(await hdr.text(), raw, raw.name);
  const bad = countNonFinite(cube.data);
  handleNonFinite(cube, opts.fillNonFinite ? 'band-mean' : 'error');
  return { cube, file: hdr.name, nonFinite: bad };
}
