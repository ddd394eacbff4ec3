/**
 * Business figures (SPEC §3, §4): the procedure's defaults, overridden by the environment (`ecart serve`
 * and every CLI command, `configFromEnv`) or by a scenario's `config` (`parseConfigOverrides`). One zod
 * schema checks both: a bad value stops the start, naming the variable, or makes the scenario malformed.
 */
import { z } from "zod";
import { EcartError, ErrorCode } from "./errors.js";
import { frenchReason } from "./validate.js";

/** Business figures (SPEC §3, §4): configuration with the procedure's defaults. */
export interface EcartConfig {
  /** R2: largest |gap| in m3 that is still tolerated (inclusive). */
  toleranceM3: number;
  /** R3: calendar days the customer has to send a proof. */
  proofDeadlineDays: number;
  /** R10: years after which the consumer may refuse billing (Code de la consommation L218-2). */
  prescriptionYears: number;
  /** R18: days before the proof's due date the reminder goes out (0: no reminder). */
  proofReminderDays: number;
  /** Where calendar days begin and end. */
  timeZone: string;
  plausibility: PlausibilityConfig;
}

export interface PlausibilityConfig {
  /** Lower end of the expected usage, as a factor of the expected usage. */
  lowFactor: number;
  /** Upper end of the expected usage, as a factor of the expected usage. */
  highFactor: number;
  /** Floor of the average daily use, m3/day (a vacant premises is not "zero forever"). */
  minDailyUseM3: number;
  /** Household yearly use assumed when the history has fewer than two valid readings. */
  householdYearlyM3: number;
}

export const DEFAULT_CONFIG: EcartConfig = {
  toleranceM3: 5,
  proofDeadlineDays: 15,
  prescriptionYears: 2,
  proofReminderDays: 5,
  timeZone: "Europe/Paris",
  plausibility: { lowFactor: 0.2, highFactor: 5.5, minDailyUseM3: 0.1, householdYearlyM3: 120 },
};

/** True for an IANA time zone the runtime knows ("Europe/Paris"). */
function isTimeZone(v: string): boolean {
  try {
    new Intl.DateTimeFormat("fr-FR", { timeZone: v });
    return true;
  } catch {
    return false;
  }
}

const wholeDays = z.number().int().min(0).max(3660);

/** The figures one by one, each with its bounds: the one description of a valid configuration. */
const figures = {
  toleranceM3: z.number().min(0).max(1_000_000),
  proofDeadlineDays: wholeDays.min(1),
  prescriptionYears: z.number().int().min(1).max(100),
  proofReminderDays: wholeDays,
  timeZone: z.string().refine(isTimeZone, {
    message: "fuseau horaire inconnu (ex. Europe/Paris)",
    params: { en: "unknown time zone (e.g. Europe/Paris)" },
  }),
};
const plausibilityFigures = {
  lowFactor: z.number().min(0).max(1000),
  highFactor: z.number().positive().max(1000),
  minDailyUseM3: z.number().min(0).max(1_000_000),
  householdYearlyM3: z.number().positive().max(1_000_000),
};

/** A configuration in full, as the commands read it. */
export const configSchema = z.strictObject({ ...figures, plausibility: z.strictObject(plausibilityFigures) });

/** What a scenario's `config` or a test may override: any figure, nothing else (an unknown key is refused). */
export const configOverridesSchema = z
  .strictObject(figures)
  .partial()
  .extend({ plausibility: z.strictObject(plausibilityFigures).partial().optional() });
export type ConfigOverrides = z.infer<typeof configOverridesSchema>;

/** The defaults, overridden by what a scenario or the environment says (already checked). */
export function makeConfig(over: ConfigOverrides = {}): EcartConfig {
  return {
    ...DEFAULT_CONFIG,
    ...over,
    plausibility: { ...DEFAULT_CONFIG.plausibility, ...(over.plausibility ?? {}) },
  } as EcartConfig;
}

/** A figure refused: where it was (a path of the configuration) and why, in French and in English. */
export interface ConfigIssue {
  path: string[];
  fr: string;
  en: string;
}

/** Checks overrides (a scenario's `config`); null when they are valid, else the first issue. */
export function checkConfigOverrides(raw: unknown): ConfigIssue | null {
  const r = configOverridesSchema.safeParse(raw);
  if (r.success) {
    const c = makeConfig(r.data);
    if (c.plausibility.lowFactor > c.plausibility.highFactor)
      return {
        path: ["plausibility", "lowFactor"],
        fr: "doit être au plus égal à highFactor",
        en: "must not be above highFactor",
      };
    return null;
  }
  const issue = r.error.issues[0];
  if (!issue) return { path: [], fr: "invalide", en: "invalid" };
  return {
    path: issue.path.map(String),
    fr: frenchReason(issue.code, issue as unknown as Record<string, unknown>, issue.message) ?? "invalide",
    en: issue.code === "custom" ? String(issue.params?.en ?? issue.message) : issue.message,
  };
}

/** The environment variable of each figure. */
export const CONFIG_ENV: ReadonlyArray<{ variable: string; path: [string] | [string, string] }> = [
  { variable: "ECART_TOLERANCE_M3", path: ["toleranceM3"] },
  { variable: "ECART_PROOF_DEADLINE_DAYS", path: ["proofDeadlineDays"] },
  { variable: "ECART_PRESCRIPTION_YEARS", path: ["prescriptionYears"] },
  { variable: "ECART_REMINDER_DAYS", path: ["proofReminderDays"] },
  { variable: "ECART_TIME_ZONE", path: ["timeZone"] },
  { variable: "ECART_PLAUSIBILITY_LOW_FACTOR", path: ["plausibility", "lowFactor"] },
  { variable: "ECART_PLAUSIBILITY_HIGH_FACTOR", path: ["plausibility", "highFactor"] },
  { variable: "ECART_PLAUSIBILITY_MIN_DAILY_USE_M3", path: ["plausibility", "minDailyUseM3"] },
  { variable: "ECART_PLAUSIBILITY_HOUSEHOLD_YEARLY_M3", path: ["plausibility", "householdYearlyM3"] },
];

/** A decimal number as an operator types it: "5", "0.2", "-1" (not "", " 5", "5 m3", "1e3"). */
const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * The configuration in force: the defaults, overridden by the ECART_… variables set (CONFIG_ENV). A bad
 * value throws INVALID_INPUT naming the variable, so that the process stops before doing anything.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): EcartConfig {
  const over: Record<string, unknown> = {};
  const plausibility: Record<string, unknown> = {};
  for (const { variable, path } of CONFIG_ENV) {
    const v = env[variable];
    if (v === undefined || v === "") continue;
    const value = path[0] === "timeZone" ? v : DECIMAL.test(v.trim()) ? Number(v.trim()) : v;
    if (path.length === 2) plausibility[path[1]] = value;
    else over[path[0]] = value;
  }
  if (Object.keys(plausibility).length > 0) over.plausibility = plausibility;
  const issue = checkConfigOverrides(over);
  if (issue) {
    const bad = CONFIG_ENV.find((e) => e.path.join(".") === issue.path.join("."));
    const variable = bad?.variable ?? "ECART_…";
    const got = bad ? env[bad.variable] : undefined;
    throw new EcartError(
      ErrorCode.INVALID_INPUT,
      `Variable d'environnement ${variable} invalide : ${issue.fr} (valeur « ${got ?? ""} »).`,
      `environment variable ${variable} is invalid: ${issue.en} (value ${JSON.stringify(got ?? "")})`,
      variable,
    );
  }
  return makeConfig(over as ConfigOverrides);
}
