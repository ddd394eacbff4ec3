/** SPEC §7: the shape of a scenario file. A file that breaks it is refused whole, naming the place. */
import { type ConfigOverrides, checkConfigOverrides } from "../platform/config.js";
import { ROLES, type Role } from "../platform/context.js";
import { isIsoDate } from "../platform/dates.js";
import { isCommandVerb } from "../registry.js";

export class ScenarioFormatError extends Error {
  constructor(
    readonly place: string,
    message: string,
  ) {
    super(`${place}: ${message}`);
    this.name = "ScenarioFormatError";
  }
}

export interface GivenReading {
  date: string;
  index: number;
  type: string;
  /** The serial of the meter it was read on, when the service point had several (default: the one in place that day). */
  meter?: string;
}
/** One meter of a service point's history (a replaced meter has `removedOn`; its successor `installedOn` and `startIndex`). */
export interface GivenMeter {
  serial: string;
  remoteReading?: boolean;
  digits?: number;
  startIndex?: number;
  installedOn?: string | null;
  removedOn?: string | null;
}
export interface GivenSubscription {
  id: string;
  tags?: string[];
  customer: {
    id: string;
    name: string;
    email?: string | null;
    address?: string | null;
    phone?: string | null;
  };
  start: { date: string; index: number };
  end?: { date: string; index: number } | null;
}
export interface GivenServicePoint {
  id: string;
  address: string;
  owner?: { name: string } | null;
  meter?: { serial: string; remoteReading?: boolean; digits?: number } | null;
  /** The meters in order of installation, when the meter was replaced (instead of `meter`). */
  meters?: GivenMeter[];
  readings?: GivenReading[];
  subscriptions?: GivenSubscription[];
}

export interface Step {
  at: Date;
  as: Role | null;
  entity: string | null;
  do: string;
  with: Record<string, unknown>;
  idempotencyKey?: string;
}

export interface Scenario {
  name: string;
  /** Figures overriding the defaults, checked by the configuration's schema (platform/config.ts). */
  config: ConfigOverrides;
  servicePoints: GivenServicePoint[];
  steps: Step[];
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const SCENARIO_ROLES = ROLES.filter((r) => r !== "SYSTEM");

function need(cond: unknown, place: string, msg: string): asserts cond {
  if (!cond) throw new ScenarioFormatError(place, msg);
}

/** Checks the file's structure (not the business values inside steps, which are step errors). */
export function parseScenario(raw: unknown): Scenario {
  need(isObj(raw), "$", "a scenario is a JSON object");
  const given = raw.given ?? {};
  need(isObj(given), "$.given", "must be an object");
  const sps = given.servicePoints ?? [];
  need(Array.isArray(sps), "$.given.servicePoints", "must be an array");
  const ids = new Set<string>();
  sps.forEach((sp, i) => {
    const at = `$.given.servicePoints[${i}]`;
    need(isObj(sp), at, "must be an object");
    need(typeof sp.id === "string" && sp.id.length > 0, `${at}.id`, "must be a non-empty string");
    need(!ids.has(sp.id), `${at}.id`, `duplicate id ${sp.id}`);
    ids.add(sp.id);
    need(typeof sp.address === "string", `${at}.address`, "must be a string");
    if (sp.meter !== undefined && sp.meter !== null) {
      need(isObj(sp.meter) && typeof sp.meter.serial === "string", `${at}.meter.serial`, "must be a string");
    }
    if (sp.meter !== undefined && sp.meter !== null && isObj(sp.meter) && sp.meter.digits !== undefined) {
      need(
        Number.isInteger(sp.meter.digits) &&
          (sp.meter.digits as number) >= 3 &&
          (sp.meter.digits as number) <= 12,
        `${at}.meter.digits`,
        "must be a whole number from 3 to 12",
      );
    }
    if (sp.meters !== undefined) {
      need(Array.isArray(sp.meters), `${at}.meters`, "must be an array");
      need(sp.meter === undefined || sp.meter === null, `${at}.meters`, "give either meter or meters");
      let open = 0;
      sp.meters.forEach((m, j) => {
        const ma = `${at}.meters[${j}]`;
        need(isObj(m) && typeof m.serial === "string", `${ma}.serial`, "must be a string");
        if (m.digits !== undefined)
          need(
            Number.isInteger(m.digits) && (m.digits as number) >= 3 && (m.digits as number) <= 12,
            `${ma}.digits`,
            "must be a whole number from 3 to 12",
          );
        if (m.startIndex !== undefined)
          need(
            Number.isInteger(m.startIndex) && (m.startIndex as number) >= 0,
            `${ma}.startIndex`,
            "must be a whole number of m3",
          );
        for (const k of ["installedOn", "removedOn"] as const) {
          if (m[k] !== undefined && m[k] !== null)
            need(isIsoDate(m[k]), `${ma}.${k}`, "must be a date YYYY-MM-DD");
        }
        if (m.removedOn === undefined || m.removedOn === null) open++;
      });
      need(open <= 1, `${at}.meters`, "at most one meter without removedOn");
    }
    const readings = sp.readings ?? [];
    need(Array.isArray(readings), `${at}.readings`, "must be an array");
    readings.forEach((r, j) => {
      need(isObj(r) && isIsoDate(r.date), `${at}.readings[${j}].date`, "must be a date YYYY-MM-DD");
      need(
        Number.isInteger(r.index) && (r.index as number) >= 0,
        `${at}.readings[${j}].index`,
        "must be a whole number of m3",
      );
      need(typeof r.type === "string", `${at}.readings[${j}].type`, "must be a reading type");
      if (r.meter !== undefined)
        need(typeof r.meter === "string", `${at}.readings[${j}].meter`, "must be a meter serial");
    });
    const subs = sp.subscriptions ?? [];
    need(Array.isArray(subs), `${at}.subscriptions`, "must be an array");
    subs.forEach((s, j) => {
      const sa = `${at}.subscriptions[${j}]`;
      need(isObj(s) && typeof s.id === "string", `${sa}.id`, "must be a string");
      need(!ids.has(s.id), `${sa}.id`, `duplicate id ${s.id}`);
      ids.add(s.id);
      need(
        isObj(s.customer) && typeof s.customer.id === "string" && typeof s.customer.name === "string",
        `${sa}.customer`,
        "needs an id and a name",
      );
      for (const end of ["start", "end"] as const) {
        const v = s[end];
        if (end === "end" && (v === undefined || v === null)) continue;
        need(isObj(v) && isIsoDate(v.date), `${sa}.${end}.date`, "must be a date YYYY-MM-DD");
        need(
          Number.isInteger(v.index) && (v.index as number) >= 0,
          `${sa}.${end}.index`,
          "must be a whole number of m3",
        );
      }
      if (s.tags !== undefined)
        need(
          Array.isArray(s.tags) && s.tags.every((t) => typeof t === "string"),
          `${sa}.tags`,
          "must be strings",
        );
    });
  });
  const config = raw.config ?? {};
  need(isObj(config), "$.config", "must be an object");
  const bad = checkConfigOverrides(config);
  need(!bad, ["$.config", ...(bad?.path ?? [])].join("."), bad?.en ?? "");
  need(Array.isArray(raw.steps), "$.steps", "must be an array");
  let last = Number.NEGATIVE_INFINITY;
  const steps: Step[] = raw.steps.map((s, n) => {
    const at = `$.steps[${n}]`;
    need(isObj(s), at, "must be an object");
    need(
      typeof s.at === "string" && /^\d{4}-\d{2}-\d{2}T/.test(s.at) && !Number.isNaN(Date.parse(s.at)),
      `${at}.at`,
      "must be an ISO date-time",
    );
    const t = Date.parse(s.at as string);
    need(t >= last, `${at}.at`, "the clock never goes back");
    last = t;
    need(typeof s.do === "string", `${at}.do`, "must name a verb");
    if (s.do === "tick") {
      need(
        s.as === undefined && s.entity === undefined && s.with === undefined,
        at,
        "tick takes no as, entity or with",
      );
      return { at: new Date(t), as: null, entity: null, do: "tick", with: {} };
    }
    need(isCommandVerb(s.do), `${at}.do`, `unknown verb ${JSON.stringify(s.do)}`);
    need(
      typeof s.as === "string" && (SCENARIO_ROLES as string[]).includes(s.as),
      `${at}.as`,
      `must be one of ${SCENARIO_ROLES.join(", ")}`,
    );
    need(typeof s.entity === "string" && s.entity.length > 0, `${at}.entity`, "must be a non-empty string");
    need(isObj(s.with), `${at}.with`, "must be an object");
    if (s.idempotencyKey !== undefined)
      need(typeof s.idempotencyKey === "string", `${at}.idempotencyKey`, "must be a string");
    return {
      at: new Date(t),
      as: s.as as Role,
      entity: s.entity,
      do: s.do,
      with: s.with,
      ...(typeof s.idempotencyKey === "string" ? { idempotencyKey: s.idempotencyKey } : {}),
    };
  });
  return {
    name: typeof raw.name === "string" ? raw.name : "",
    config: config as ConfigOverrides,
    servicePoints: sps as unknown as GivenServicePoint[],
    steps,
  };
}
