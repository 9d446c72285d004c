import { describe, expect, it } from 'vitest';
import { cpuOver, parseStatTicks } from '../../../bench/measure.js';
import { withFigures, type MeasuredRun } from '../../../bench/bench-results.js';

describe('bench CPU figures', () => {
  it('reads utime, stime, cutime, cstime after a command name with spaces and parentheses', () => {
    const stat = '4242 (node (lane) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 30 7 3 20 0 11 0 100 0 0';
    expect(parseStatTicks(stat)).toEqual({ own: 280, children: 10 });
  });

  it('sums CPU over the union of overlapping intervals, interpolating between samples', () => {
    const samples = [
      { atMs: 0, clientMs: 0, serverMs: 0 },
      { atMs: 100, clientMs: 100, serverMs: 50 },
      { atMs: 200, clientMs: 300, serverMs: 50 },
    ];
    // [50, 150) ∪ [100, 150): counted once; 50 → 150 is 50 + 100 client ms.
    expect(cpuOver(samples, [{ startMs: 50, ms: 100 }, { startMs: 100, ms: 50 }])).toEqual({ clientMs: 150, serverMs: 25 });
  });

  it('gives rows per CPU-second and the cores limit (total CPU / cores)', () => {
    const run: MeasuredRun = { name: 'sqlite2pg', status: 'ok', note: null, exitCode: 0, wallMs: 10_000, rows: 1_000_000, peakRssBytes: 1, peakServerPssBytes: 1, cpu: { clientMs: 9_000, serverMs: 7_000 } };
    const [f] = withFigures([run], 1e6, 2);
    expect(f!.cpuMs).toBe(16_000);
    expect(f!.rowsPerCpuSec).toBeCloseTo(62_500);
    expect(f!.coreLimitMs).toBe(8_000);
    expect(f!.ratioToLimit).toBeCloseTo(1.25);
  });
});
