/**
 * "Did you mean" for the command line: the known word closest to a mistyped one by edit
 * distance, offered only when it is close enough to be a typo rather than another word.
 */

/** Levenshtein distance (insertions, deletions, substitutions each cost 1). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

/**
 * The candidate nearest to `word`, or undefined when none is within a third (rounded up) of the longer
 * word's length (at least 1, at most 3 edits): `--epoch` finds `--epochs`, `--xyz` finds nothing.
 * A candidate that starts with the word (an abbreviation) also counts.
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = Math.min(editDistance(word, c), c.startsWith(word) && word.length >= 3 ? 0.5 : Infinity);
    if (d < bestD) (best = c), (bestD = d);
  }
  const limit = Math.min(3, Math.max(1, Math.ceil(Math.max(word.length, best?.length ?? 0) / 3)));
  return bestD <= limit ? best : undefined;
}

/** Every `--flag` a command's usage text names (its parseArgs options, as the help shows them). */
export function usageFlags(usage: string): string[] {
  return [...new Set(usage.match(/--[a-z][a-z0-9-]*/g) ?? [])];
}

/**
 * The flag node:util's parseArgs refused, from its ERR_PARSE_ARGS_UNKNOWN_OPTION message
 * ("Unknown option '--foo'. …"), or undefined.
 */
export function unknownFlag(message: string): string | undefined {
  return /Unknown option '(-{1,2}[^']+)'/.exec(message)?.[1];
}
