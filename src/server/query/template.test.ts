import { describe, expect, test } from "bun:test";
import { evalTemplate, expandTemplates, TemplateError } from "./template.ts";

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;

// Ported from S2Graph's WhereParserTest "replace reserved".
describe("query: template: S2Graph's replace reserved", () => {
  test("query: template: counts with units are relative to now, signed", () => {
    const ts = 0;
    const body = `{"minute": \${1 minute}, "day": \${1day}, "hour": \${1hour}, "-day": "\${-10 day}", "-hour": \${-10 hour}, "now": "\${now}"}`;
    const json = JSON.parse(expandTemplates(body, { nowMs: ts }));
    expect(json).toEqual({ minute: minute + ts, day: day + ts, hour: hour + ts, "-day": -10 * day + ts, "-hour": -10 * hour + ts, now: ts });
  });

  test("query: template: next_minute, next_day and next_hour round up to the next whole unit", () => {
    const currentTs = 1_474_422_964_000;
    const body = `{"nextminute": "\${next_minute}", "nextday": "\${next_day}", "3dayago": "\${next_day - 3 day}", "nexthour": "\${next_hour}"}`;
    const expectedDay = Math.floor(currentTs / day) * day + day;
    for (let ts = currentTs + 1; ts < currentTs + 1000; ts += 37) {
      expect(JSON.parse(expandTemplates(body, { nowMs: ts }))).toEqual({
        nextminute: Math.floor(currentTs / minute) * minute + minute,
        nextday: expectedDay,
        "3dayago": expectedDay - 3 * day,
        nexthour: Math.floor(currentTs / hour) * hour + hour,
      });
    }
  });

  test("query: template: randint includes both ends", () => {
    const seen = new Set<string>();
    let i = 0;
    const randomInt = (low: number, high: number) => low + (i++ % (high - low + 1));
    for (let n = 0; n < 30; n++) seen.add(evalTemplate("randint( 10,  12 )", { nowMs: 0, randomInt }));
    expect([...seen].sort()).toEqual(["10", "11", "12"]);
    for (let n = 0; n < 200; n++) {
      const r = Number(evalTemplate("randint(10, 30)", { nowMs: 0 }));
      expect(r >= 10 && r <= 30).toBe(true);
    }
  });
});

describe("query: template: edgeflow's reading", () => {
  const nowMs = 1_000_000_000_000;

  test("query: template: now with a minus or plus offset", () => {
    expect(evalTemplate("now - 3 day", { nowMs })).toBe(String(nowMs - 3 * day));
    expect(evalTemplate("now + 1 hour", { nowMs })).toBe(String(nowMs + hour));
    expect(evalTemplate("NOW - 2 WEEKS", { nowMs })).toBe(String(nowMs - 14 * day));
    expect(evalTemplate("now-30minute", { nowMs })).toBe(String(nowMs - 30 * minute));
  });

  test("query: template: a count without a unit yields the pivot, as S2Graph's code", () => {
    expect(evalTemplate("3", { nowMs })).toBe(String(nowMs));
    expect(evalTemplate("next_day 3", { nowMs })).toBe(String(Math.floor(nowMs / day) * day + day));
  });

  test("query: template: a _parent path passes through for the where parser", () => {
    expect(evalTemplate("_parent._timestamp", { nowMs })).toBe("_parent._timestamp");
  });

  test("query: template: unknown templates and bad randint are refused", () => {
    expect(() => evalTemplate("yesterday", { nowMs })).toThrow(TemplateError);
    expect(() => evalTemplate("", { nowMs })).toThrow(TemplateError);
    expect(() => evalTemplate("randint(5, 1)", { nowMs })).toThrow("larger");
    expect(() => evalTemplate("randint(a, 1)", { nowMs })).toThrow(TemplateError);
  });

  test("query: template: a double quote around a template goes with it", () => {
    expect(expandTemplates('"${now}"', { nowMs })).toBe(String(nowMs));
    expect(expandTemplates("no template", { nowMs })).toBe("no template");
  });
});
