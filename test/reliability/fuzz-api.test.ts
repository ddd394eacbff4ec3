/**
 * Promise 3 (API) — a fast-check fuzzer against the HTTP API: every command route (pretty and
 * generic), bodies with one field spoiled, malformed JSON, odd path ids and Idempotency-Keys. Every
 * request is answered with a coded 4xx or a success, never a 500; a refused request changes nothing.
 */
import fc from "fast-check";
import type { FastifyInstance, InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, createApiToken } from "../../src/accounts/store.js";
import { buildApp } from "../../src/http/app.js";
import { COMMAND_ROUTES } from "../../src/http/routes/commands.js";
import { ErrorCode, HTTP_STATUS } from "../../src/platform/errors.js";
import type { AccountRole } from "../../src/platform/schema.js";
import { COMMANDS, type CommandVerb } from "../../src/registry.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import { NASTY_STRINGS, nastyJsonValue } from "./nasty.js";
import { fingerprint, recordFigures, SEED, scale } from "./support.js";
import { roleFor, seedWorld, validInputs, type World } from "./world.js";

const NOW = new Date("2024-03-05T10:00:00+01:00");
const ROLES: AccountRole[] = ["FO", "BO", "EUROS", "SUPERVISOR", "ADMIN"];
const FUZZ_RUNS = scale(120, 1000);

/** encodeURIComponent, or the raw UTF-8 bytes of a lone surrogate (a URL a client can still send). */
const safeEncode = (s: string) => {
  try {
    return encodeURIComponent(s);
  } catch {
    return "%ED%A0%80";
  }
};

describe("fuzzing the HTTP API (PGlite)", () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let world: World;
  const tokens = {} as Record<AccountRole, string>;
  const as = (role: AccountRole, o: InjectOptions) =>
    app.inject({ ...o, headers: { ...(o.headers ?? {}), authorization: `Bearer ${tokens[role]}` } });

  beforeAll(async () => {
    t = await createTestDatabase("pglite");
    app = await buildApp({ db: t.db, clock: () => NOW, webDist: null });
    for (const role of ROLES) {
      const a = await createAccount(
        t.db.kysely,
        { username: `${role.toLowerCase()}.fz`, role, entity: `${role}-LYON`, password: null },
        NOW,
      );
      tokens[role] = await createApiToken(t.db.kysely, a.id, "tests", NOW);
    }
    world = await seedWorld(t.db, "FZA");
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  it(`fuzz: ${FUZZ_RUNS} spoiled requests, each a coded 4xx or a success, never a 500; a refusal writes nothing`, async () => {
    const inputs = validInputs(world);
    const routes = COMMAND_ROUTES.map((r) => ({ ...r, generic: false })).concat(
      (Object.keys(COMMANDS) as CommandVerb[]).map((verb) => ({
        verb,
        url: `/commands/${verb}`,
        generic: true,
      })),
    );
    const req = fc.record({
      route: fc.constantFrom(...routes),
      at: fc.nat(12),
      value: nastyJsonValue,
      idValue: fc.oneof(fc.constant(null), fc.constantFrom(...NASTY_STRINGS.filter((s) => s.length < 200))),
      raw: fc.oneof(
        { arbitrary: fc.constant(null), weight: 8 },
        fc.constantFrom('{"index": 1004', "[", "null", '"x"', "{}", "\u0000", '{"a":'.repeat(2000)),
      ),
      key: fc.oneof(
        { arbitrary: fc.constant(undefined), weight: 5 },
        fc.constantFrom("k", "é".repeat(300), "a\tb", "x".repeat(201)),
      ),
    });
    const tally = { ok: 0, refused: 0, byStatus: {} as Record<number, number> };
    let before = await fingerprint(t.db);
    const stable = (f: Record<string, string>) => {
      const { api_tokens: _t, sessions: _s, ...rest } = f;
      return rest;
    };
    await fc.assert(
      fc.asyncProperty(req, async ({ route, at, value, idValue, raw, key }) => {
        const base = { ...inputs[route.verb] } as Record<string, unknown>;
        const param = "param" in route ? (route.param as string | undefined) : undefined;
        let url = `/api${route.url}`;
        if (param) {
          const id = idValue ?? String(base[param]);
          url = url.replace(":id", safeEncode(id));
          delete base[param];
        }
        const keys = Object.keys(base);
        const body =
          at === 11 || keys.length === 0 ? value : { ...base, [keys[at % keys.length] as string]: value };
        const res = await as(roleFor(route.verb) as AccountRole, {
          method: "POST",
          url,
          ...(raw === null ? { payload: JSON.stringify(body) ?? "null" } : { payload: raw }),
          headers: {
            "content-type": "application/json",
            ...(key === undefined ? {} : { "idempotency-key": key }),
          },
        });
        const where = `${url} ${String(raw ?? JSON.stringify(body)).slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
        expect(res.statusCode, where).toBeLessThan(500);
        tally.byStatus[res.statusCode] = (tally.byStatus[res.statusCode] ?? 0) + 1;
        const json = res.json();
        if (res.statusCode >= 400) {
          expect(Object.values(ErrorCode), where).toContain(json.error?.code);
          expect(HTTP_STATUS[json.error.code as ErrorCode], where).toBe(res.statusCode);
          if (json.outcome !== "PROOF_REFUSED") {
            tally.refused++;
            expect(stable(await fingerprint(t.db)), where).toEqual(stable(before));
            return;
          }
        }
        tally.ok++;
        before = await fingerprint(t.db);
      }),
      { numRuns: FUZZ_RUNS, seed: SEED, endOnFailure: true },
    );
    expect(tally.refused).toBeGreaterThan(FUZZ_RUNS / 2);
    recordFigures("fuzz-api", { runs: FUZZ_RUNS, ...tally });
  });
});
