import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { checkName, checkPropName, coerceId, coerceValue, parseDataType, parseIndexDefs, parsePropDef, parsePropDefs } from "./schema.ts";
import { EdgeflowError } from "./errors.ts";

const seed = process.env.SEED ? Number(process.env.SEED) : Date.now() % 2 ** 31;
console.log(`schema property tests: SEED=${seed}`);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof EdgeflowError) return error.code;
    throw error;
  }
  return undefined;
}

describe("schema rules", () => {
  test("schema: names are [A-Za-z0-9_]{1,64}, anything else is refused", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        const ok = /^[A-Za-z0-9_]{1,64}$/.test(s);
        expect(codeOf(() => checkName("label", s))).toBe(ok ? undefined : "invalid_name");
      }),
      { seed, numRuns: 500 },
    );
    expect(checkName("user_id", "user_id")).toBe("user_id");
    expect(codeOf(() => checkName("label", "a".repeat(65)))).toBe("invalid_name");
    expect(codeOf(() => checkName("label", 42))).toBe("invalid_name");
  });

  test("schema: data types and S2Graph's aliases", () => {
    expect(parseDataType("long")).toBe("long");
    expect(parseDataType("int64")).toBe("long");
    expect(parseDataType("int")).toBe("integer");
    expect(parseDataType("bool")).toBe("boolean");
    expect(parseDataType("float64")).toBe("double");
    expect(codeOf(() => parseDataType("decimal"))).toBe("invalid_data_type");
    expect(codeOf(() => parseDataType(undefined))).toBe("invalid_data_type");
  });

  test("schema: reserved prop names are refused", () => {
    for (const name of ["_timestamp", "_from", "_to", "timestamp", "from", "to", "label", "direction", "_lastDeletedAt", "_anything"]) {
      expect(codeOf(() => checkPropName(name))).toBe("reserved_prop_name");
    }
    expect(checkPropName("weight")).toBe("weight");
  });

  test("schema: integers are range-checked per type", () => {
    expect(coerceValue(127, "byte")).toBe(127);
    expect(coerceValue(128, "byte")).toBeUndefined();
    expect(coerceValue(-32768, "short")).toBe(-32768);
    expect(coerceValue(2 ** 31, "integer")).toBeUndefined();
    expect(coerceValue("9223372036854775807", "long")).toBe("9223372036854775807");
    expect(coerceValue("9223372036854775808", "long")).toBeUndefined();
    expect(coerceValue(1.5, "long")).toBeUndefined();
    expect(coerceValue("12", "integer")).toBe(12);
    expect(coerceValue("abc", "long")).toBeUndefined();
    expect(coerceValue(true, "long")).toBeUndefined();
  });

  test("schema: any safe integer fits long and round-trips", () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(coerceValue(n, "long")).toBe(n);
        expect(coerceValue(String(n), "long")).toBe(n);
      }),
      { seed },
    );
  });

  test("schema: floats, booleans and strings", () => {
    expect(coerceValue(0.5, "double")).toBe(0.5);
    expect(coerceValue("0.5", "float")).toBe(0.5);
    expect(coerceValue(Number.NaN, "double")).toBeUndefined();
    expect(coerceValue(1e300, "float")).toBeUndefined();
    expect(coerceValue("true", "boolean")).toBe(true);
    expect(coerceValue(1, "boolean")).toBeUndefined();
    expect(coerceValue(3, "string")).toBe("3");
    expect(coerceValue({}, "string")).toBeUndefined();
  });

  test("schema: ids are checked against the column type and S2Graph's 249-byte limit", () => {
    expect(coerceId("a".repeat(249), "string")).toBe("a".repeat(249));
    expect(coerceId("a".repeat(250), "string")).toBeUndefined();
    expect(coerceId("é".repeat(125), "string")).toBeUndefined();
    expect(coerceId(101, "long")).toBe(101);
    expect(coerceId("x", "long")).toBeUndefined();
    expect(coerceId("", "string")).toBeUndefined();
  });

  test("schema: a default that does not fit its type is refused; a missing one is the zero value", () => {
    expect(parsePropDef({ name: "w", dataType: "double" })).toEqual({ name: "w", dataType: "double", defaultValue: 0 });
    expect(parsePropDef({ name: "w", dataType: "string", defaultValue: "x" }).defaultValue).toBe("x");
    expect(parsePropDef({ name: "b", dataType: "boolean", defaultValue: "false" }).defaultValue).toBe(false);
    expect(codeOf(() => parsePropDef({ name: "w", dataType: "long", defaultValue: "abc" }))).toBe("invalid_default");
    expect(codeOf(() => parsePropDef({ name: "w", dataType: "byte", defaultValue: 300 }))).toBe("invalid_default");
    expect(codeOf(() => parsePropDefs([{ name: "w", dataType: "long" }, { name: "w", dataType: "long" }]))).toBe("duplicate_prop");
  });

  test("schema: any value coerceValue accepts as a default is kept", () => {
    const types = ["string", "long", "integer", "short", "byte", "float", "double", "boolean"] as const;
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.string()), (dataType, value) => {
        const fits = coerceValue(value, dataType);
        const code = codeOf(() => parsePropDef({ name: "p", dataType, defaultValue: value }));
        expect(code).toBe(fits === undefined ? "invalid_default" : undefined);
      }),
      { seed, numRuns: 1000 },
    );
  });

  test("schema: indices name known props", () => {
    const props = [{ name: "score", dataType: "double" as const, defaultValue: 0 }];
    expect(parseIndexDefs([{ name: "idx", propNames: ["score", "_timestamp"] }], props)).toEqual([{ name: "idx", propNames: ["score", "_timestamp"] }]);
    expect(codeOf(() => parseIndexDefs([{ name: "idx", propNames: ["nope"] }], props))).toBe("unknown_prop");
    expect(codeOf(() => parseIndexDefs([{ name: "idx", propNames: [] }], props))).toBe("invalid_index");
  });
});
