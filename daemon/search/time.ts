/**
 * `--since` / `--until` values: a duration back from now (`2w`, `3d`, `12h`,
 * `6mo`, `1y`, `90min`, also `2 weeks`, `2.weeks.ago`) or a date (`2025-01-01`,
 * `2025-01-01T10:00`, any ISO 8601 with a zone). A date without a time is a
 * whole local day: its start for --since, its end for --until. Returns unix seconds.
 */
import { ContextdError } from '../errors.js';

const UNIT_SECONDS: Record<string, number> = {
  s: 1,
  sec: 1,
  second: 1,
  min: 60,
  minute: 60,
  h: 3600,
  hr: 3600,
  hour: 3600,
  d: 86400,
  day: 86400,
  w: 7 * 86400,
  wk: 7 * 86400,
  week: 7 * 86400,
  mo: 30 * 86400,
  month: 30 * 86400,
  y: 365 * 86400,
  yr: 365 * 86400,
  year: 365 * 86400,
};

const DURATION = /^(\d+(?:\.\d+)?)[\s.]*([a-z]+?)s?(?:[\s.]*ago)?$/;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

export function parseTimeSpec(spec: string, edge: 'start' | 'end', flag = '--since', now = Date.now()): number {
  const text = spec.trim().toLowerCase();
  const bad = (): never => {
    throw new ContextdError('bad-argument', `${flag} must be a duration like 2w, 3d, 12h, 6mo, 1y or a date like 2025-01-01 (got ${JSON.stringify(spec)})`, {
      exitCode: 2,
      hint: timeSpecHint(text),
    });
  };
  if (!text) bad();
  const d = DURATION.exec(text);
  if (d) {
    const unit = UNIT_SECONDS[d[2]] ?? UNIT_SECONDS[d[2].replace(/s$/, '')];
    if (unit === undefined) return bad();
    return Math.floor(now / 1000 - Number(d[1]) * unit);
  }
  if (text === 'today' || text === 'yesterday') {
    const day = new Date(now);
    if (text === 'yesterday') day.setDate(day.getDate() - 1);
    return dayEdge(day.getFullYear(), day.getMonth(), day.getDate(), edge);
  }
  const dateOnly = DATE_ONLY.exec(text);
  if (dateOnly) {
    const [y, m, day] = [Number(dateOnly[1]), Number(dateOnly[2]) - 1, Number(dateOnly[3])];
    const check = new Date(y, m, day);
    if (check.getFullYear() !== y || check.getMonth() !== m || check.getDate() !== day) return bad();
    return dayEdge(y, m, day, edge);
  }
  if (/^\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}/.test(text)) {
    const ms = Date.parse(spec.trim().replace(' ', 'T'));
    if (Number.isNaN(ms)) return bad();
    return Math.floor(ms / 1000);
  }
  return bad();
}

const UNIT_NAMES = Object.keys(UNIT_SECONDS);

/** The hint that fits what was typed: a bare m, a misspelt unit, a bare number, a date in another order. */
export function timeSpecHint(text: string): string {
  const d = /^(\d+(?:\.\d+)?)[\s.]*([a-z]*)/.exec(text);
  if (d && /^\d+(\.\d+)?$/.test(text)) return `a number needs a unit: ${text}d (days), ${text}w (weeks), ${text}mo (months)…`;
  if (d && (d[2] === 'm' || d[2] === 'ms')) return 'm is ambiguous: write min for minutes or mo for months';
  if (d && d[2]) {
    const typed = d[2].replace(/s$/, '');
    // Nearest first; between equals the spelt-out unit (`week` over `wk`) reads best.
    const near = UNIT_NAMES.filter((u) => u.length > 1 && editDistance(u, typed) <= 2).sort(
      (a, b) => editDistance(a, typed) - editDistance(b, typed) || b.length - a.length,
    );
    return near.length ? `unknown unit "${d[2]}": did you mean ${d[1]}${near[0]}?` : `unknown unit "${d[2]}": use s, min, h, d, w, mo or y`;
  }
  const dmy = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$/.exec(text);
  if (dmy)
    return `dates are year first: write ${dmy[3]}-${dmy[2].padStart(2, '0')}-${dmy[1].padStart(2, '0')} (or ${dmy[3]}-${dmy[1].padStart(2, '0')}-${dmy[2].padStart(2, '0')})`;
  if (/^\d{4}[./]\d{1,2}[./]\d{1,2}$/.test(text)) return `write the date with dashes: ${text.replace(/[./]/g, '-')}`;
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) return 'that date does not exist (check the month and day), or add a time as 2025-01-01T10:00';
  return 'durations: 90min, 12h, 3d, 2w, 6mo, 1y (also "2 weeks ago"); dates: 2025-01-01, 2025-01-01T10:00, today, yesterday';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

function dayEdge(y: number, m: number, d: number, edge: 'start' | 'end'): number {
  const ms = edge === 'start' ? new Date(y, m, d, 0, 0, 0, 0).getTime() : new Date(y, m, d, 23, 59, 59, 999).getTime();
  return Math.floor(ms / 1000);
}

/** Unix seconds as an ISO 8601 string in UTC (`2023-05-09T15:20:00Z`). */
export function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}
