import { isResponseSerializationError } from "fastify-type-provider-zod";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { $ZodType } from "zod/v4/core";
import * as shapes from "./api-shapes.js";
import { errors } from "./schemas.js";
import { changesValues, serializerCompiler } from "./serializer.js";

const serialize = (schema: unknown) =>
  serializerCompiler({ schema, method: "GET", url: "/x", httpStatus: "200" } as never) as (
    data: unknown,
  ) => string;

describe("answers checked by parsing", () => {
  it.each([
    [
      "a plain object, array, union, nullable and enum",
      z.object({ a: z.array(z.union([z.string(), z.number()])), b: z.enum(["X"]).nullable() }),
      false,
    ],
    [
      "a transform deep inside",
      z.object({ a: z.array(z.object({ b: z.string().transform((s) => s.length) })) }),
      true,
    ],
    ["a default in an optional field", z.object({ a: z.number().default(0).optional() }), true],
    ["a trim (an overwrite check) in a tuple", z.tuple([z.string().trim()]), true],
    [
      "a codec (a pipe)",
      z.object({ at: z.codec(z.string(), z.number(), { decode: Number, encode: String }) }),
      true,
    ],
    ["a lazy schema (not looked into)", z.lazy(() => z.string()), true],
    ["a record of plain values", z.record(z.string(), z.number()), false],
  ] as const)("%s: changes values = %s", (_name, schema, expected) => {
    expect(changesValues(schema)).toBe(expected);
  });

  it("no answer schema of the API changes values, so every answer takes the parsing path", () => {
    const answers = Object.entries(shapes).filter(([, v]) => v instanceof $ZodType);
    expect(answers.length).toBeGreaterThan(30);
    for (const [name, schema] of [
      ...answers,
      ...Object.entries(errors).map(([s, e]) => [`error ${s}`, e] as const),
    ])
      expect([name, changesValues(schema as $ZodType)]).toEqual([name, false]);
  });

  it("answers what the schema declares, and refuses an answer that does not match it", () => {
    const write = serialize(z.object({ id: z.string(), n: z.number().nullable() }));
    expect(write({ id: "A", n: null, secret: "dropped" })).toBe('{"id":"A","n":null}');
    let refusal: unknown;
    try {
      write({ id: 1, n: null });
    } catch (e) {
      refusal = e;
    }
    expect(isResponseSerializationError(refusal)).toBe(true);
  });

  it("still encodes a schema that changes values (the provider's serializer)", () => {
    const write = serialize(
      z.object({ at: z.codec(z.string(), z.number(), { decode: Number, encode: String }) }),
    );
    expect(write({ at: 5 })).toBe('{"at":"5"}');
  });
});
