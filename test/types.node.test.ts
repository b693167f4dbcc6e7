// Node only: the package's TypeScript declarations as a user meets them. The declarations are
// rebuilt (scripts/build-types.mjs, incremental), the package is linked into a temporary
// project's node_modules as `hsi-gpu` (a symlink to this tree, no `paths`), and every ```ts block
// of README.md is compiled there with `tsc --noEmit` under strict settings, once with
// moduleResolution nodenext and once with bundler: the README stays the source of the examples.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const test = suite('types');
const exec = promisify(execFile);
const root = process.cwd();
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');

/** The README's TypeScript blocks, each as a module (a block without imports gets `export {}`). */
function readmeBlocks(): string[] {
  const text = readFileSync(path.join(root, 'README.md'), 'utf8');
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => (/^\s*(import|export)\s/m.test(m[1]) ? m[1] : `${m[1]}export {};\n`));
}

/** tsc --noEmit in `dir`; resolves with its output, which is empty when everything compiles. */
async function compile(dir: string, project: string): Promise<string> {
  try {
    await exec(process.execPath, [tsc, '--noEmit', '-p', project], { cwd: dir });
    return '';
  } catch (e) {
    const { stdout, stderr } = e as { stdout: string; stderr: string };
    return `${stdout}${stderr}`.trim() || String(e);
  }
}

test('README TypeScript blocks compile against the shipped declarations (nodenext and bundler)', async () => {
  await exec(process.execPath, [path.join(root, 'scripts/build-types.mjs')], { cwd: root });
  const blocks = readmeBlocks();
  assert.ok(blocks.length >= 6, `README ts blocks: ${blocks.length}`);
  const dir = mkdtempSync(path.join(tmpdir(), 'hsi-types-'));
  try {
    mkdirSync(path.join(dir, 'node_modules'));
    symlinkSync(root, path.join(dir, 'node_modules/hsi-gpu'), 'dir');
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', type: 'module', private: true }));
    const files = blocks.map((b, i) => {
      writeFileSync(path.join(dir, `block${i}.ts`), b);
      return `block${i}.ts`;
    });
    const options = { target: 'ES2022', lib: ['ES2022', 'DOM'], strict: true, noEmit: true, skipLibCheck: false, types: [] };
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...options, module: 'nodenext', moduleResolution: 'nodenext' }, files }));
    writeFileSync(path.join(dir, 'tsconfig.bundler.json'), JSON.stringify({ compilerOptions: { ...options, module: 'esnext', moduleResolution: 'bundler' }, files }));
    const [nodenext, bundler] = await Promise.all([compile(dir, 'tsconfig.json'), compile(dir, 'tsconfig.bundler.json')]);
    assert.is(nodenext, '', `nodenext:\n${nodenext}`);
    assert.is(bundler, '', `bundler:\n${bundler}`);
    // The check can fail: a wrong call is reported against the declarations.
    writeFileSync(path.join(dir, 'wrong.ts'), "import { rocAuc } from 'hsi-gpu';\nexport const auc: string = rocAuc([1], [0]);\n");
    writeFileSync(path.join(dir, 'tsconfig.wrong.json'), JSON.stringify({ compilerOptions: { ...options, module: 'nodenext', moduleResolution: 'nodenext' }, files: ['wrong.ts'] }));
    assert.match(await compile(dir, 'tsconfig.wrong.json'), /wrong\.ts\(2,14\): error TS2322: Type 'number' is not assignable to type 'string'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
