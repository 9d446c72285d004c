/**
 * "Did you mean" suggestions for misspelt table, column, key and enum names.
 * Pure: no I/O.
 */

/**
 * Optimal string alignment distance (Levenshtein plus adjacent transpositions), so the usual
 * typos (`tpye`, `titel`) cost 1.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate closest to `wanted`, or null when none is close enough to be a plausible typo.
 * Case is ignored (SQLite names are case-insensitive); a candidate differing only in case wins.
 * "Close enough": at most 40% of the longer name's characters differ (at least one).
 */
export function closestName(wanted: string, candidates: Iterable<string>): string | null {
  const w = wanted.toLowerCase();
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === wanted) continue;
    const distance = editDistance(w, candidate.toLowerCase());
    const limit = Math.max(1, Math.floor(Math.max(w.length, candidate.length) * 0.4));
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
