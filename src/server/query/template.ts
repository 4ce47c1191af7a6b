/**
 * S2Graph's query templates (`TemplateHelper.replaceVariable`): `${now}`, `${now - 3 day}`,
 * `${next_day}`, `${next_hour - 1 hour}`, `${-10 day}` (relative to now), `${randint(1, 10)}`.
 * A template is replaced by text: a millisecond timestamp or an integer. `${_parent.prop}` is
 * replaced by the bare path, which the where parser then reads as a reference.
 *
 * Following S2Graph's code: pivots are now, next_minute, next_hour, next_day, next_week
 * (the start of the next whole unit since the epoch); units are minute, hour, day, week; a count
 * without a unit (`${3}`) yields the pivot itself; `randint(a, b)` includes both ends; an
 * optional double quote right around `${...}` is swallowed with it, so `"${now}"` becomes a
 * JSON number. edgeflow also accepts `+` (`${now + 1 hour}`; S2Graph's regex only knows `-` and
 * turns `+` into garbage), upper case and plural units. Anything else is refused, where S2Graph
 * would leave text that later fails to parse or silently compares as a string.
 */

export interface TemplateClock {
  nowMs: number;
  /** A uniform integer in [low, high]; passed in so tests are deterministic. */
  randomInt?: (low: number, high: number) => number;
}

const minuteMs = 60_000;
const unitMs: Record<string, number> = { minute: minuteMs, hour: 60 * minuteMs, day: 24 * 60 * minuteMs, week: 7 * 24 * 60 * minuteMs };

export class TemplateError extends Error {}

const timePattern = /^(next_minute|next_hour|next_day|next_week|now)?\s*(?:([+-])?\s*(\d{1,15}))?\s*(minutes?|hours?|days?|weeks?)?$/i;
const randIntPattern = /^randint\((.*),(.*)\)$/;
const parentPathPattern = /^(?:_parent\.)+[A-Za-z0-9_]+$/;

function defaultRandomInt(low: number, high: number): number {
  return low + Math.floor(Math.random() * (high - low + 1));
}

function unitOf(word: string): number {
  const singular = word.toLowerCase().replace(/s$/, "");
  const ms = unitMs[singular];
  if (ms === undefined) throw new TemplateError(`unknown time unit ${word}`);
  return ms;
}

function randInt(low: string, high: string, clock: TemplateClock): string {
  const a = low.trim();
  const b = high.trim();
  if (!/^-?\d{1,9}$/.test(a) || !/^-?\d{1,9}$/.test(b)) throw new TemplateError("randint takes two integers: randint(a, b)");
  const from = Number(a);
  const to = Number(b);
  if (from > to) throw new TemplateError(`randint(${from}, ${to}): the first bound is larger than the second`);
  const value = (clock.randomInt ?? defaultRandomInt)(from, to);
  if (!Number.isSafeInteger(value) || value < from || value > to) throw new Error(`assertion failed: randomInt returned ${value} outside [${from}, ${to}]`);
  return String(value);
}

/** The text one `${...}` stands for. Throws `TemplateError` with a reason the caller positions. */
export function evalTemplate(content: string, clock: TemplateClock): string {
  const text = content.trim();
  const rand = randIntPattern.exec(text);
  if (rand) return randInt(rand[1] ?? "", rand[2] ?? "", clock);
  if (parentPathPattern.test(text)) return text;
  const m = timePattern.exec(text);
  if (text === "" || !m || (m[1] === undefined && m[3] === undefined && m[4] === undefined)) {
    throw new TemplateError(`unknown template \${${content}}; expected now, next_minute, next_hour, next_day or next_week with an optional "- n unit", or randint(a, b)`);
  }
  const [, pivot, sign, count, unit] = m;
  const now = clock.nowMs;
  let base = now;
  if (pivot !== undefined && pivot.toLowerCase() !== "now") {
    const ms = unitOf(pivot.toLowerCase().slice("next_".length));
    base = Math.floor(now / ms) * ms + ms;
  }
  if (count === undefined || unit === undefined) return String(base);
  const value = base + (sign === "-" ? -1 : 1) * Number(count) * unitOf(unit);
  if (!Number.isSafeInteger(value)) throw new TemplateError(`template \${${content}} overflows`);
  return String(value);
}

const templatePattern = /"?\$\{(.*?)\}"?/g;

/**
 * Replaces every template in a JSON string value, as S2Graph does for duration bounds,
 * `has` and interval values. Throws `TemplateError` naming the template.
 */
export function expandTemplates(text: string, clock: TemplateClock): string {
  if (!text.includes("${")) return text;
  return text.replace(templatePattern, (_match, content: string) => evalTemplate(content, clock));
}
