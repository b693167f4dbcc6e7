/**
 * What a kernel needs to know about its WGSL, read with wgsl_reflect so that no binding
 * index, uniform offset or workgroup size is copied by hand into TypeScript (docs/engine.md#kernels).
 * wgsl_reflect parses but does not validate: Tint's compilation info is the judge of errors.
 */
import { WgslReflect, type FunctionInfo, type MemberInfo, type TypeInfo } from 'wgsl_reflect';
import { GpuUsageError } from './errors.ts';

export type BindingKind = 'storage' | 'read-only-storage' | 'uniform';

export interface BindingInfo {
  name: string;
  group: number;
  binding: number;
  kind: BindingKind;
}

/** One scalar slot range of the Params uniform. */
export interface ParamField {
  name: string;
  scalar: 'f32' | 'u32' | 'i32';
  offset: number;
  /** Number of scalars (1 for a scalar, N for vecN, count·lanes for arrays). */
  count: number;
  /** Byte distance between consecutive groups of `lanes` scalars (array stride). */
  stride: number;
  lanes: number;
}

export interface ParamsLayout {
  name: string;
  size: number;
  fields: ParamField[];
}

export interface EntryLayout {
  bindings: BindingInfo[];
  params: ParamsLayout | null;
  /** Workgroup size as written: numbers, or names of override constants. */
  workgroupSize: (number | string)[];
  /** Default workgroup size from the shader's own values. */
  defaultWorkgroupSize: [number, number, number];
}

export interface ModuleLayout {
  overrides: Set<string>;
  /** Default values written in the WGSL (`override E: u32 = 4;`). */
  overrideDefaults: Map<string, number>;
  entries: Map<string, EntryLayout>;
}

/** Reflects every compute entry point of a WGSL module. Throws naming the file on failure. */
export function reflectModule(file: string, source: string): ModuleLayout {
  let r: WgslReflect;
  try {
    r = new WgslReflect(source);
  } catch (e) {
    throw new GpuUsageError(`shader ${file}`, `WGSL reflection failed: ${(e as Error).message}`);
  }
  const entries = new Map<string, EntryLayout>();
  for (const fn of r.entry.compute) entries.set(fn.name, entryLayout(file, fn));
  const overrideDefaults = new Map<string, number>();
  for (const m of source.matchAll(/^\s*override\s+(\w+)\s*(?::\s*\w+\s*)?=\s*([-\d.]+)[uif]?\s*;/gm)) overrideDefaults.set(m[1], Number(m[2]));
  return { overrides: new Set(r.overrides.map((o) => o.name)), overrideDefaults, entries };
}

function entryLayout(file: string, fn: FunctionInfo): EntryLayout {
  const op = `kernel ${file}:${fn.name}`;
  const bindings: BindingInfo[] = [];
  let params: ParamsLayout | null = null;
  for (const v of fn.resources) {
    // ResourceType: 0 uniform, 1 storage (wgsl_reflect's enum).
    if (v.resourceType === 0) {
      if (params) throw new GpuUsageError(op, `uniform bindings: expected at most one Params struct, got ${params.name} and ${v.name}`);
      params = paramsLayout(op, v.name, v.type, v.size);
      bindings.push({ name: v.name, group: v.group, binding: v.binding, kind: 'uniform' });
    } else if (v.resourceType === 1) {
      const kind = v.access === 'read' ? 'read-only-storage' : 'storage';
      bindings.push({ name: v.name, group: v.group, binding: v.binding, kind });
    } else {
      throw new GpuUsageError(op, `binding ${v.name}: expected a storage or uniform buffer, got resource type ${v.resourceType}`);
    }
  }
  const attr = fn.attributes?.find((a) => a.name === 'workgroup_size');
  const raw = attr ? (Array.isArray(attr.value) ? attr.value : [attr.value]) : [];
  const workgroupSize = raw.map((s) => (/^\d+u?$/.test(String(s)) ? Number.parseInt(String(s), 10) : String(s)));
  const w = fn.workgroupSize ?? [1, 1, 1];
  return { bindings, params, workgroupSize, defaultWorkgroupSize: [w[0] ?? 1, w[1] ?? 1, w[2] ?? 1] };
}

const SCALARS = new Set(['f32', 'u32', 'i32']);

function paramsLayout(op: string, name: string, type: TypeInfo, size: number): ParamsLayout {
  const members = (type as { members?: MemberInfo[] }).members;
  if (!members) throw new GpuUsageError(op, `uniform ${name}: expected a struct, got ${type.name}`);
  return { name, size, fields: members.map((m) => paramField(op, m)) };
}

/** Scalar type and lane count of a scalar or vector type (vec4<u32> or its alias vec4u), or null. */
function lanesOf(t: TypeInfo): { scalar: string; lanes: number } | null {
  if (SCALARS.has(t.name)) return { scalar: t.name, lanes: 1 };
  const vec = /^vec([234])([fiu])?$/.exec(t.name);
  if (!vec) return null;
  const scalar = vec[2] ? `${vec[2]}32` : (t as { format?: TypeInfo }).format?.name ?? '';
  return SCALARS.has(scalar) ? { scalar, lanes: Number(vec[1]) } : null;
}

function paramField(op: string, m: MemberInfo): ParamField {
  const t = m.type;
  const direct = lanesOf(t);
  if (direct) return { name: m.name, scalar: direct.scalar as ParamField['scalar'], offset: m.offset, count: direct.lanes, stride: 4 * direct.lanes, lanes: direct.lanes };
  if (t.isArray) {
    const a = t as unknown as { format: TypeInfo; count: number; stride: number };
    const inner = lanesOf(a.format);
    if (inner && a.count > 0) {
      return { name: m.name, scalar: inner.scalar as ParamField['scalar'], offset: m.offset, count: a.count * inner.lanes, stride: a.stride, lanes: inner.lanes };
    }
  }
  throw new GpuUsageError(op, `Params.${m.name}: expected a scalar, vector or fixed array of f32/u32/i32, got ${t.getTypeName()}`);
}

/** Writes named values into a Params uniform according to its layout. */
export function packParams(op: string, layout: ParamsLayout, values: Record<string, number | ArrayLike<number>>, view: DataView): void {
  for (const name of Object.keys(values)) {
    if (!layout.fields.some((f) => f.name === name)) {
      throw new GpuUsageError(op, `params.${name}: expected one of ${layout.fields.map((f) => f.name).join(', ')}, got an unknown name`);
    }
  }
  for (const f of layout.fields) {
    const v = values[f.name];
    if (v === undefined) throw new GpuUsageError(op, `params.${f.name}: expected a value, got none`);
    const list: ArrayLike<number> = typeof v === 'number' ? [v] : v;
    if (list.length > f.count || (f.count > 1 && typeof v === 'number')) {
      throw new GpuUsageError(op, `params.${f.name}: expected ${f.count === 1 ? 'a number' : `up to ${f.count} numbers`}, got ${typeof v === 'number' ? 'a number' : list.length}`);
    }
    for (let i = 0; i < list.length; i++) {
      const at = f.offset + Math.floor(i / f.lanes) * f.stride + (i % f.lanes) * 4;
      writeScalar(op, f, list[i], view, at);
    }
  }
}

function writeScalar(op: string, f: ParamField, x: number, view: DataView, at: number): void {
  if (f.scalar === 'f32') {
    // Shaders may assume NaN/Inf never occur (WGSL spec), so they never reach one.
    if (!Number.isFinite(x)) throw new GpuUsageError(op, `params.${f.name}: expected a finite f32, got ${x}`);
    view.setFloat32(at, x, true);
  } else if (f.scalar === 'u32') {
    if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw new GpuUsageError(op, `params.${f.name}: expected a u32, got ${x}`);
    view.setUint32(at, x, true);
  } else {
    if (!Number.isInteger(x) || x < -0x80000000 || x > 0x7fffffff) throw new GpuUsageError(op, `params.${f.name}: expected an i32, got ${x}`);
    view.setInt32(at, x, true);
  }
}

/**
 * Integer `const NAME = Nu;` declarations of a WGSL module whose name starts with `prefix`,
 * keyed by the rest of the name in lower case (`OP_EXP` → `exp`). Op codes live only in the WGSL.
 */
export function wgslConstants(file: string, source: string, prefix: string): Map<string, number> {
  const out = new Map<string, number>();
  const re = new RegExp(`^\\s*const\\s+${prefix}(\\w+)\\s*(?::\\s*u32\\s*)?=\\s*(\\d+)u?\\s*;`, 'gm');
  for (const m of source.matchAll(re)) out.set(m[1].toLowerCase(), Number(m[2]));
  if (out.size === 0) throw new GpuUsageError(`shader ${file}`, `constants: expected const ${prefix}* declarations, got none`);
  return out;
}
