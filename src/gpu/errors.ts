/**
 * Error types of the GPU layer. Messages read `op: what: expected …, got …` and say how
 * to fix the problem; every GPU failure surfaces as one of these, never as a silent result.
 */

import { HsiError } from '../errors.ts';

/** Base class: `op` names the engine operation or kernel that failed. */
export class GpuError extends HsiError {}

/** No WebGPU adapter or device on this host. The message says what to install. */
export class GpuUnavailableError extends GpuError {}

/** A request beyond a device limit (buffer size, binding size, workgroup count…). */
export class GpuLimitError extends GpuError {
  constructor(op: string, readonly limit: string, readonly value: number, readonly need: number, hint = '') {
    super(op, `limit ${limit}: expected at least ${need}, got ${value}` + (hint ? `; ${hint}` : ''));
  }
}

/** A WebGPU validation error caught by an error scope, naming the kernels involved. */
export class GpuValidationError extends GpuError {}

/** The device ran out of memory while creating buffers or pipelines. */
export class GpuOutOfMemoryError extends GpuError {}

/** The device is lost: every later operation throws this instead of hanging. */
export class DeviceLostError extends GpuError {
  constructor(op: string, readonly reason: string, readonly detail: string) {
    super(
      op,
      `GPU device lost (reason: ${reason}${detail ? `, ${detail}` : ''}); ` +
        'its buffers and results are gone: create a new engine with createGpu() and rerun',
    );
  }
}

/** One message of WGSL compilation, with its position in the shader file. */
export interface CompileMessage {
  file: string;
  line: number;
  column: number;
  type: string;
  message: string;
}

/** WGSL failed to compile: lists every error as `file:line:col message`. */
export class KernelCompileError extends GpuError {
  constructor(op: string, readonly messages: CompileMessage[], source: string) {
    const lines = source.split('\n');
    const text = messages
      .map((m) => {
        const code = lines[m.line - 1];
        const caret = code === undefined ? '' : `\n    ${code}\n    ${' '.repeat(Math.max(0, m.column - 1))}^`;
        return `  ${m.file}:${m.line}:${m.column} ${m.type}: ${m.message}${caret}`;
      })
      .join('\n');
    super(op, `WGSL compilation failed:\n${text}`);
  }
}

/** Misuse of the engine's API (released buffer, missing binding, unknown param…). */
export class GpuUsageError extends GpuError {}
