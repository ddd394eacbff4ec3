/**
 * What `ecart serve` reads from its environment beside the rules' figures (config.ts): where it listens,
 * how often the sweep runs, its batch, the demo accounts, the replica, the proxies trusted. Read once, at
 * start; a bad value stops the start naming its variable (INVALID_INPUT), as a bad figure does.
 */
import { parseTrustProxy, type TrustProxy } from "../http/network.js";
import { DEFAULT_SWEEP_BATCH, MAX_SWEEP_BATCH } from "../move-in/sweep.js";
import { EcartError, ErrorCode } from "../platform/errors.js";

/** Default port and interface: local only unless HOST says otherwise. */
export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = "127.0.0.1";
/** How long the sweep pauses between two runs: deadlines end at midnight, a minute is ample. */
export const DEFAULT_SWEEP_EVERY_MS = 60_000;
/** The shortest pause between two sweeps an operator may set (tests and benches run it every 250 ms). */
export const MIN_SWEEP_EVERY_MS = 100;

export interface ServeSettings {
  host: string;
  port: number;
  /** Demo accounts asked for (ECART_DEMO_ACCOUNTS=1); created on loopback only. */
  demo: boolean;
  replicaUrl: string | undefined;
  trustProxy: TrustProxy;
  sweepEveryMs: number;
  sweepBatch: number;
  /** A bearer token for /metrics beside loopback (ECART_METRICS_TOKEN). */
  metricsToken: string | undefined;
}

/** A whole number from the variable, within [min, max]; the default when unset or empty. */
function whole(env: NodeJS.ProcessEnv, variable: string, fallback: number, min: number, max: number): number {
  const v = env[variable]?.trim();
  if (v === undefined || v === "") return fallback;
  if (/^\d+$/.test(v) && Number(v) >= min && Number(v) <= max) return Number(v);
  throw new EcartError(
    ErrorCode.INVALID_INPUT,
    `Variable d'environnement ${variable} invalide : nombre entier de ${min} à ${max} attendu (valeur « ${v} »).`,
    `environment variable ${variable} is invalid: a whole number from ${min} to ${max} expected (value ${JSON.stringify(v)})`,
    variable,
  );
}

/** The settings `ecart serve` starts with, from the environment; throws on the first bad value. */
export function serveSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ServeSettings {
  return {
    host: env.HOST || DEFAULT_HOST,
    port: whole(env, "PORT", DEFAULT_PORT, 0, 65_535),
    demo: env.ECART_DEMO_ACCOUNTS === "1",
    replicaUrl: env.DATABASE_REPLICA_URL || undefined,
    trustProxy: parseTrustProxy(env.ECART_TRUST_PROXY),
    sweepEveryMs: whole(env, "ECART_SWEEP_EVERY_MS", DEFAULT_SWEEP_EVERY_MS, MIN_SWEEP_EVERY_MS, 86_400_000),
    sweepBatch: whole(env, "ECART_SWEEP_BATCH", DEFAULT_SWEEP_BATCH, 1, MAX_SWEEP_BATCH),
    metricsToken: env.ECART_METRICS_TOKEN || undefined,
  };
}
