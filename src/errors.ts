/**
 * The library's error classes below the GPU layer. Every error a user can cause is one of these
 * (or a subclass: GpuError, DataError), so a caller tells a message meant for a person from a bug
 * by `instanceof HsiError`. Messages read `op: what: expected …, got …`.
 */

/** Base class: `op` names the function, option or kernel that refused. */
export class HsiError extends Error {
  constructor(readonly op: string, message: string) {
    super(`${op}: ${message}`);
    this.name = new.target.name;
  }
}

/**
 * Misuse that has nothing to do with the GPU: an option out of range, an unknown preset or
 * model, an argument of the wrong kind. Raised before any work starts.
 */
export class OptionError extends HsiError {}
