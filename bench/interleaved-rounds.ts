/**
 * The A/B loop of the per-row cost scripts (row-encoder-cost.ts, read-rows-cost.ts): each build
 * once to warm up, then `rounds` rounds with the builds' order rotated every round, so a shared
 * machine's drift hits all alike; prints each build's median, min and max.
 */
export function printInterleavedRounds<T>(builds: readonly (readonly [string, T])[], rounds: number, what: string, runOnce: (build: T) => number, label = ''): void {
  for (const [, b] of builds) runOnce(b);
  const times = builds.map((): number[] => []);
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < builds.length; j++) {
      const f = (j + r) % builds.length;
      times[f]!.push(runOnce(builds[f]![1]));
    }
  }
  for (let j = 0; j < builds.length; j++) {
    const s = [...times[j]!].sort((a, b) => a - b);
    console.log(`${label}${builds[j]![0]}: median ${s[s.length >> 1]!.toFixed(3)} µs/row (min ${s[0]!.toFixed(3)}, max ${s[s.length - 1]!.toFixed(3)}) over ${rounds} rounds of ${what}`);
  }
}
