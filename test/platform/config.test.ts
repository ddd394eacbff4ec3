import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CONFIG_ENV,
  checkConfigOverrides,
  configFromEnv,
  DEFAULT_CONFIG,
} from "../../src/platform/config.js";
import { EcartError } from "../../src/platform/errors.js";
import { parseScenario, ScenarioFormatError } from "../../src/scenarios/format.js";

const refusal = (env: Record<string, string>) => {
  try {
    configFromEnv(env);
  } catch (e) {
    if (e instanceof EcartError) return e;
    throw e;
  }
  return null;
};

describe("figures from the environment", () => {
  it("are the procedure's defaults when nothing is set (an empty variable counts as unset)", () => {
    expect(configFromEnv({})).toEqual(DEFAULT_CONFIG);
    expect(configFromEnv({ ECART_TOLERANCE_M3: "" })).toEqual(DEFAULT_CONFIG);
  });

  it("reads every figure from its variable", () => {
    const c = configFromEnv({
      ECART_TOLERANCE_M3: "7",
      ECART_PROOF_DEADLINE_DAYS: "10",
      ECART_PRESCRIPTION_YEARS: "3",
      ECART_REMINDER_DAYS: "0",
      ECART_TIME_ZONE: "America/Cayenne",
      ECART_PLAUSIBILITY_LOW_FACTOR: "0.1",
      ECART_PLAUSIBILITY_HIGH_FACTOR: "8",
      ECART_PLAUSIBILITY_MIN_DAILY_USE_M3: "0.2",
      ECART_PLAUSIBILITY_HOUSEHOLD_YEARLY_M3: "90",
    });
    expect(c).toEqual({
      toleranceM3: 7,
      proofDeadlineDays: 10,
      prescriptionYears: 3,
      proofReminderDays: 0,
      timeZone: "America/Cayenne",
      plausibility: { lowFactor: 0.1, highFactor: 8, minDailyUseM3: 0.2, householdYearlyM3: 90 },
    });
  });

  it.each([
    ["ECART_TOLERANCE_M3", "abc", /nombre attendu/],
    ["ECART_TOLERANCE_M3", "-1", /au moins 0/],
    ["ECART_TOLERANCE_M3", "5 m3", /nombre attendu/],
    ["ECART_PROOF_DEADLINE_DAYS", "0", /au moins 1/],
    ["ECART_PROOF_DEADLINE_DAYS", "1.5", /entier/],
    ["ECART_PRESCRIPTION_YEARS", "0", /au moins 1/],
    ["ECART_REMINDER_DAYS", "-1", /au moins 0/],
    ["ECART_TIME_ZONE", "Mars/Olympus", /fuseau horaire/],
    ["ECART_PLAUSIBILITY_LOW_FACTOR", "9", /highFactor/],
    ["ECART_PLAUSIBILITY_HIGH_FACTOR", "0", /supérieur à 0/],
  ])("%s=%s stops the start, naming the variable in French and English", (variable, value, fr) => {
    const e = refusal({ [variable]: value });
    expect(e?.code).toBe("INVALID_INPUT");
    expect(e?.messageFr).toContain(variable);
    expect(e?.messageFr).toMatch(fr);
    expect(e?.message).toContain(`environment variable ${variable} is invalid`);
  });

  it("takes the boundaries: tolerance 0, deadline 1 day, reminder 0 days, prescription 1 year", () => {
    expect(
      configFromEnv({
        ECART_TOLERANCE_M3: "0",
        ECART_PROOF_DEADLINE_DAYS: "1",
        ECART_REMINDER_DAYS: "0",
        ECART_PRESCRIPTION_YEARS: "1",
      }),
    ).toMatchObject({ toleranceM3: 0, proofDeadlineDays: 1, proofReminderDays: 0, prescriptionYears: 1 });
  });

  it("names one variable per figure, each a figure of the configuration", () => {
    const paths = CONFIG_ENV.map((e) => e.path.join("."));
    expect(new Set(paths).size).toBe(paths.length);
    for (const { path } of CONFIG_ENV) {
      const at = path.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], DEFAULT_CONFIG);
      expect(at).toBeDefined();
    }
  });
});

describe("a scenario's config", () => {
  const scenario = (config: unknown) => ({ config, steps: [] });

  it("is checked by the same schema", () => {
    expect(checkConfigOverrides({ toleranceM3: 10, proofDeadlineDays: 10 })).toBeNull();
    expect(checkConfigOverrides({ toleranceM3: "5" })?.path).toEqual(["toleranceM3"]);
    expect(parseScenario(scenario({ toleranceM3: 10 })).config).toEqual({ toleranceM3: 10 });
  });

  it.each([
    [{ toleranceM3: "5" }, "$.config.toleranceM3"],
    [{ proofDeadlineDays: 0 }, "$.config.proofDeadlineDays"],
    [{ plausibility: { highFactor: "x" } }, "$.config.plausibility.highFactor"],
    [{ tolerance: 5 }, "$.config"],
  ])("%j makes the file malformed at %s", (config, place) => {
    expect(() => parseScenario(scenario(config))).toThrow(ScenarioFormatError);
    try {
      parseScenario(scenario(config));
    } catch (e) {
      expect((e as ScenarioFormatError).place).toBe(place);
    }
  });
});

describe("ecart config", () => {
  const ROOT = join(import.meta.dirname, "..", "..");
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "config"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, ...env },
      timeout: 60_000,
    });

  it("prints the effective configuration as JSON; a bad variable exits 1 naming it", () => {
    const ok = run({ ECART_TOLERANCE_M3: "8" });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ ...DEFAULT_CONFIG, toleranceM3: 8 });
    const bad = run({ ECART_PROOF_DEADLINE_DAYS: "quinze" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("Variable d'environnement ECART_PROOF_DEADLINE_DAYS invalide");
    expect(bad.stderr).toContain("environment variable ECART_PROOF_DEADLINE_DAYS is invalid");
  }, 60_000);

  it("ecart serve with a bad PORT or sweep pause stops before it opens the database, naming the variable", () => {
    for (const [variable, value] of [
      ["PORT", "80a"],
      ["ECART_SWEEP_EVERY_MS", "60s"],
    ]) {
      const data = mkdtempSync(join(tmpdir(), "ecart-env-"));
      const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "serve"], {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, DATABASE_URL: "", ECART_DATA: data, [variable as string]: value },
        timeout: 60_000,
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`Variable d'environnement ${variable} invalide`);
      expect(r.stderr).toContain(`environment variable ${variable} is invalid`);
      expect(readdirSync(data)).toEqual([]);
    }
  }, 60_000);
});
