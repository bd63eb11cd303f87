// Instants are integers of microseconds since the Unix epoch: the seed writes microsecond
// timestamps, and comparing strings would mis-order mixed formats ("Z" against "+00:00").

export type Instant = number;

export const MICROS_PER_MINUTE = 60_000_000;

const ISO_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}:?\d{2})?$/;

/** Parses any ISO-8601 instant; a timestamp without an offset is UTC, as the seed reads it. */
export function parseInstant(text: unknown): Instant | undefined {
  if (typeof text !== 'string') return undefined;
  const match = ISO_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', offset] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(Date.UTC(2000, 0, 1, hour, minute, second));
  date.setUTCFullYear(year, month - 1, day); // Date.UTC would read years 0-99 as 1900-1999
  if (date.getUTCDate() !== day || date.getUTCMonth() !== month - 1) return undefined;
  const millis = date.getTime();
  const micros = Number((fraction + '000000').slice(0, 6));
  let offsetMinutes = 0;
  if (offset && offset.toUpperCase() !== 'Z') {
    const sign = offset.startsWith('-') ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    const [hours, minutes] = [Number(digits.slice(0, 2)), Number(digits.slice(2))];
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = sign * (hours * 60 + minutes);
  }
  return millis * 1000 + micros - offsetMinutes * MICROS_PER_MINUTE;
}

/**
 * The seed's format, which is Python's `datetime.isoformat()` of a UTC instant: microseconds and
 * `+00:00`, the fraction left out when it is zero (as Python does; window starts look like that).
 */
export function formatInstant(instant: Instant): string {
  const millis = Math.floor(instant / 1000);
  const subMillis = instant - millis * 1000;
  const iso = new Date(millis).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const fraction = `${iso.slice(20, 23)}${String(subMillis).padStart(3, '0')}`;
  return `${iso.slice(0, 19)}${fraction === '000000' ? '' : `.${fraction}`}+00:00`;
}

export function addMinutes(instant: Instant, minutes: number): Instant {
  return instant + Math.round(minutes * MICROS_PER_MINUTE);
}

/** Whole minutes from `earlier` to `later`, floored. */
export function wholeMinutesBetween(earlier: Instant, later: Instant): number {
  return Math.floor((later - earlier) / MICROS_PER_MINUTE);
}

/** Start of the schedule window that holds `instant`: windows are multiples of the interval since the epoch. */
export function floorToWindow(instant: Instant, intervalMinutes: number): Instant {
  const width = intervalMinutes * MICROS_PER_MINUTE;
  return Math.floor(instant / width) * width;
}
