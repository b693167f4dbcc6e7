// Node only (reads the sources): the module graph of src/. No runtime import cycle (a cycle makes
// a module's exports undefined while the other half of the cycle evaluates, depending on which
// side some program imports first), and imports go one way down the layers (docs: platform →
// gpu → tensor/autograd → ops → nn → models). Type-only imports vanish at run time: they may
// go anywhere.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const test = suite('imports');
const src = path.join(process.cwd(), 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path.relative(src, p)] : [];
  });
}

/** The modules of src/ that `file` imports at run time (type-only imports and specifiers left out). */
export function runtimeImports(file: string, text: string): string[] {
  const out: string[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?(?:([\s\S]*?)\s+from\s+)?['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(re)) {
    const [, , typeOnly, clause, spec] = m;
    if (typeOnly) continue;
    // `import { type A, type B } from …` is erased too (verbatimModuleSyntax aside).
    const named = clause?.trim().match(/^\{([\s\S]*)\}$/);
    if (named && named[1].split(',').map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith('type '))) continue;
    if (spec === '#platform') out.push('platform/node.ts', 'platform/browser.ts');
    else if (spec.startsWith('.') && spec.endsWith('.ts')) out.push(path.normalize(path.join(path.dirname(file), spec)));
  }
  return out;
}

const graph = new Map(sources(src).map((f) => [f, runtimeImports(f, readFileSync(path.join(src, f), 'utf8'))]));

test('the parser sees runtime imports and skips type-only ones', () => {
  const text = "import type { A } from './a.ts';\nimport { type B, type C } from './b.ts';\nimport {\n  d,\n  type E,\n} from './d.ts';\nexport { f } from '../f.ts';\nimport './side.ts';";
  assert.equal(runtimeImports('ops/x.ts', text), ['ops/d.ts', 'f.ts', 'ops/side.ts']);
  assert.ok(graph.size > 50, `read ${graph.size} modules`);
});

test('no runtime import cycle in src/', () => {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (f: string, stack: string[]): void => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') {
      cycles.push([...stack.slice(stack.indexOf(f)), f].join(' → '));
      return;
    }
    state.set(f, 'open');
    for (const g of graph.get(f) ?? []) visit(g, [...stack, f]);
    state.set(f, 'done');
  };
  for (const f of graph.keys()) visit(f, []);
  assert.equal(cycles, [], `runtime import cycles:\n${cycles.join('\n')}`);
});

test('the engine layers import nothing above them', () => {
  // A lower layer never reaches up at run time (the old tape borrowed add from the ops layer).
  const rank = (f: string): number => ({ platform: 0, 'errors.ts': 0, gpu: 1, tensor: 2, autograd: 2, ops: 3, nn: 4, models: 5 } as Record<string, number>)[f.split(path.sep)[0]] ?? 9;
  const up: string[] = [];
  for (const [f, deps] of graph) for (const d of deps) if (rank(d) < 9 && rank(d) > rank(f)) up.push(`${f} → ${d}`);
  assert.equal(up, [], `upward imports:\n${up.join('\n')}`);
});

test.run();
