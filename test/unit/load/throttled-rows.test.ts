/** throttledRows(): progress counts are summed and sent at most every 100 ms, and nothing is lost on flush. */
import { describe, expect, it } from 'vitest';
import { throttledRows } from '../../../src/load/throttled-rows.js';

describe('throttledRows', () => {
  it('sums counts between sends and sends the rest on flush', () => {
    let t = 0;
    const sent: number[] = [];
    const p = throttledRows((n) => sent.push(n), () => t);
    p.add(10);
    t = 50;
    p.add(5);
    expect(sent).toEqual([]);
    t = 100;
    p.add(1);
    expect(sent).toEqual([16]);
    t = 150;
    p.add(7);
    p.flush();
    p.flush();
    expect(sent).toEqual([16, 7]);
    expect(sent.reduce((a, b) => a + b, 0)).toBe(23);
  });
});
