import { SECONDS_PER_DAY, daysFromCivil } from './calendar.js';

/**
 * Offsets of one IANA time zone, read from the runtime's tz database through
 * Intl.DateTimeFormat (https://tc39.es/ecma402/#datetimeformat-objects) and cached per UTC day.
 *
 * Cache: a day's entry is the offset at its first and last second; when they differ, the
 * transition second is found by bisection once. This assumes at most one offset change per
 * UTC day, which holds for the tz database (transitions are months apart). Misses cost two
 * Intl calls; a column spanning ten years touches ~3,650 entries, so the hot path is a Map
 * lookup and a comparison.
 */
export class TimeZone {
  /** The name as the mapping wrote it, for messages. */
  readonly name: string;
  /** UTC and its aliases (Etc/UTC, GMT...) never consult Intl. */
  readonly isUtc: boolean;
  readonly #format: Intl.DateTimeFormat | null;
  /** UTC day number → offset in seconds, or a transition inside that day. */
  readonly #days = new Map<number, number | Transition>();

  private constructor(name: string, format: Intl.DateTimeFormat | null) {
    this.name = name;
    this.isUtc = format === null;
    this.#format = format;
  }

  /** Throws a plain Error for a zone the runtime does not know (the mapping validator words it for users). */
  static load(name: string): TimeZone {
    let format: Intl.DateTimeFormat;
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: name,
        hourCycle: 'h23',
        era: 'short',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch (cause) {
      throw new Error(`unknown time zone ${JSON.stringify(name)}: expected an IANA name such as "UTC" or "Europe/Berlin"`, { cause });
    }
    return new TimeZone(name, format.resolvedOptions().timeZone === 'UTC' ? null : format);
  }

  /** Seconds east of UTC at the instant `utcSecond` (seconds since 1970-01-01 00:00 UTC). */
  offsetAt(utcSecond: number): number {
    if (this.#format === null) return 0;
    const day = Math.floor(utcSecond / SECONDS_PER_DAY);
    let entry = this.#days.get(day);
    if (entry === undefined) entry = this.#fill(day);
    if (typeof entry === 'number') return entry;
    return utcSecond < entry.at ? entry.before : entry.after;
  }

  /**
   * The instant of a wall-clock time in this zone (`wallSecond`: the wall time counted as if it
   * were UTC), or NaN when that wall time never happened.
   *
   * DST rule: a wall time in a gap (clocks jumped forward over it, e.g. 2024-03-31 02:30 in
   * Europe/Berlin) does not exist, and the caller fails the value rather than shifting it.
   * A wall time in an overlap (clocks went back, e.g. 2024-10-27 02:30 in Europe/Berlin) happened
   * twice; we take the earlier instant, the first occurrence, still on the daylight-saving
   * offset. That is also what PostgreSQL does for ambiguous input
   * (https://www.postgresql.org/docs/current/datetime-invalid-input.html), though PostgreSQL
   * moves gap times forward, which would alter the value.
   */
  instantFor(wallSecond: number): number {
    if (this.#format === null) return wallSecond;
    // Offsets never reach a day, so the offsets one day either side bracket the candidates.
    const before = this.offsetAt(wallSecond - SECONDS_PER_DAY);
    const after = this.offsetAt(wallSecond + SECONDS_PER_DAY);
    if (before === after) return wallSecond - before;
    const early = wallSecond - before;
    const late = wallSecond - after;
    const earlyValid = this.offsetAt(early) === before;
    const lateValid = this.offsetAt(late) === after;
    if (earlyValid && lateValid) return Math.min(early, late);
    if (earlyValid) return early;
    if (lateValid) return late;
    return NaN;
  }

  #fill(day: number): number | Transition {
    const start = day * SECONDS_PER_DAY;
    const end = start + SECONDS_PER_DAY - 1;
    const first = this.#compute(start);
    const last = this.#compute(end);
    let entry: number | Transition = first;
    if (first !== last) {
      // Bisect for the first second on the new offset: lo is always on `first`, hi on `last`.
      let lo = start;
      let hi = end;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (this.#compute(mid) === first) lo = mid;
        else hi = mid;
      }
      entry = { before: first, after: last, at: hi };
    }
    this.#days.set(day, entry);
    return entry;
  }

  #compute(utcSecond: number): number {
    let year = 0;
    let month = 0;
    let day = 0;
    let hour = 0;
    let minute = 0;
    let second = 0;
    let bc = false;
    for (const part of this.#format!.formatToParts(utcSecond * 1000)) {
      switch (part.type) {
        case 'year':
          year = Number(part.value);
          break;
        case 'month':
          month = Number(part.value);
          break;
        case 'day':
          day = Number(part.value);
          break;
        case 'hour':
          hour = Number(part.value) % 24; // some ICU versions print 24 for midnight
          break;
        case 'minute':
          minute = Number(part.value);
          break;
        case 'second':
          second = Number(part.value);
          break;
        case 'era':
          bc = part.value === 'BC' || part.value === 'B';
          break;
      }
    }
    // Astronomical year numbering: 1 BC is year 0 (only reached at the 0001-01-01 edge).
    if (bc) year = 1 - year;
    const wall = daysFromCivil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
    return wall - utcSecond;
  }
}

interface Transition {
  readonly before: number;
  readonly after: number;
  /** First UTC second on the `after` offset. */
  readonly at: number;
}
