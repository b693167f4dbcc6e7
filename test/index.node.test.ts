// Node only: the package's Node entry (src/index.node.ts, package.json exports "default") is the
// whole library plus the readers that open paths through node:fs; the browser entry
// (src/index.ts) must not pull node:fs in. And the names README documents are the exported ones.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as api from '../src/index.ts';
import * as nodeApi from '../src/index.node.ts';

const test = suite('index.node');

test('the Node entry adds the path readers to everything index.ts exports', () => {
  const missing = Object.keys(api).filter((k) => !(k in nodeApi));
  assert.equal(missing, []);
  assert.equal(Object.keys(nodeApi).filter((k) => !(k in api)).sort(), ['findEnviRaw', 'readEnviFile']);
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  assert.equal(pkg.exports['.'].default, { types: './dist/types/index.node.d.ts', default: './dist/node/index.js' });
  assert.equal(pkg.exports['.'].browser, { types: './dist/types/index.d.ts', default: './dist/browser/index.js' });
});

test('README documents the readers and metrics, all exported (readEnviFile by the Node entry)', () => {
  const readme = readFileSync('README.md', 'utf8');
  for (const name of ['readMat', 'readMatFile', 'readEnvi', 'readEnviBlob', 'readEnviFile', 'readTiffCube', 'readNpy', 'globalRx', 'localRx', 'rocAuc', 'detectionScores', 'rocCurve', 'rocCsv']) {
    assert.ok(readme.includes(`${name}(`) || readme.includes(`\`${name}\``), `README: ${name}`);
    assert.ok(name in nodeApi, `exported: ${name}`);
  }
});

test('the generated API reference (docs/api, npm run docs:api) lists every runtime export', () => {
  const index = readFileSync('docs/api/README.md', 'utf8');
  // Index rows link classes and interfaces (`| [Name](…)`); functions, variables and types are headings (`### name()`), `_` escaped.
  const names = [...index.matchAll(/^\| \[([\w$\\]+)\]\(|^### (?:`\w+` )?([\w$\\]+)(?:\(\))?$/gm)];
  const listed = new Set(names.map((m) => (m[1] ?? m[2]).replaceAll('\\', '')));
  const stale = Object.keys(nodeApi).filter((k) => !listed.has(k));
  assert.equal(stale, [], `exports missing from docs/api (run npm run docs:api): ${stale.join(', ')}`);
});

test('the browser entry has no node: imports in its module graph', async () => {
  // esbuild does not run inside a bundle: ask it from a plain Node process, with the build's options.
  const script = "import * as esbuild from 'esbuild'; import { baseOptions } from './scripts/esbuild-config.mjs';" +
    "const r = await esbuild.build({ ...baseOptions('browser'), entryPoints: ['src/index.ts'], write: false, metafile: true, sourcemap: false });" +
    "console.log(JSON.stringify(Object.values(r.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path))));";
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
  const imports: string[] = JSON.parse(stdout);
  assert.ok(imports.length > 50, `imports seen: ${imports.length}`);
  assert.equal(imports.filter((p) => p.startsWith('node:') || /envi\.node\.ts$/.test(p)), []);
});

test.run();
