/**
 * Scopes: `scope(fn)` disposes every tensor created while `fn` runs, except the tensors it
 * returns (found in a returned tensor, array or plain object) and those passed to `keep()`.
 * Scopes nest; survivors move to the enclosing scope. An async `fn` is awaited before the
 * clean-up, so tensors created meanwhile by unrelated code would be collected too: run one
 * async scope at a time.
 */
import type { Tensor } from './tensor.ts';

const stack: Set<Tensor>[] = [];

/** Registers a new tensor with the innermost scope (called by the Tensor constructor). */
export function track(t: Tensor): void {
  stack[stack.length - 1]?.add(t);
}

/** Exempts `t` from every enclosing scope's clean-up; the caller now owns it. */
export function keep<T extends Tensor>(t: T): T {
  for (const s of stack) s.delete(t);
  return t;
}

/** Runs `fn` and disposes the tensors it created but did not return. */
export function scope<T>(fn: () => T): T {
  const own = new Set<Tensor>();
  stack.push(own);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    close(own, undefined);
    throw e;
  }
  if (result instanceof Promise) {
    return result.then(
      (v) => (close(own, v), v),
      (e) => { close(own, undefined); throw e; },
    ) as T;
  }
  close(own, result);
  return result;
}

function close(own: Set<Tensor>, result: unknown): void {
  const i = stack.lastIndexOf(own);
  if (i >= 0) stack.splice(i, 1);
  const survivors = new Set<Tensor>();
  collect(result, survivors, 0);
  for (const t of own) {
    if (survivors.has(t)) stack[stack.length - 1]?.add(t);
    else t.dispose();
  }
}

function collect(v: unknown, out: Set<Tensor>, depth: number): void {
  if (!v || typeof v !== 'object' || depth > 4) return;
  if (isTensor(v)) {
    out.add(v);
    return;
  }
  const values = Array.isArray(v) ? v : Object.getPrototypeOf(v) === Object.prototype ? Object.values(v) : [];
  for (const x of values) collect(x, out, depth + 1);
}

function isTensor(v: object): v is Tensor {
  return 'storage' in v && 'shape' in v && typeof (v as Tensor).dispose === 'function';
}
