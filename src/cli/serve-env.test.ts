import { describe, expect, it } from "vitest";
import { DEFAULT_SWEEP_BATCH, MAX_SWEEP_BATCH } from "../move-in/sweep.js";
import { EcartError } from "../platform/errors.js";
import {
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_SWEEP_EVERY_MS,
  MIN_SWEEP_EVERY_MS,
  serveSettingsFromEnv,
} from "./serve-env.js";

describe("ecart serve's settings from its environment", () => {
  it("defaults when nothing is set (or set empty)", () => {
    for (const env of [{}, { PORT: "", ECART_SWEEP_EVERY_MS: "", ECART_SWEEP_BATCH: "", HOST: "" }])
      expect(serveSettingsFromEnv(env)).toMatchObject({
        host: DEFAULT_HOST,
        port: DEFAULT_PORT,
        sweepEveryMs: DEFAULT_SWEEP_EVERY_MS,
        sweepBatch: DEFAULT_SWEEP_BATCH,
        demo: false,
        replicaUrl: undefined,
        trustProxy: false,
        metricsToken: undefined,
      });
  });

  it("takes what is set", () => {
    expect(
      serveSettingsFromEnv({
        HOST: "0.0.0.0",
        PORT: "0",
        ECART_SWEEP_EVERY_MS: "250",
        ECART_SWEEP_BATCH: " 500 ",
        ECART_DEMO_ACCOUNTS: "1",
        DATABASE_REPLICA_URL: "postgres://replica/ecart",
        ECART_TRUST_PROXY: "1",
        ECART_METRICS_TOKEN: "t",
      }),
    ).toEqual({
      host: "0.0.0.0",
      port: 0,
      sweepEveryMs: 250,
      sweepBatch: 500,
      demo: true,
      replicaUrl: "postgres://replica/ecart",
      trustProxy: 1,
      metricsToken: "t",
    });
  });

  it.each([
    ["PORT", "65535", true],
    ["PORT", "65536", false],
    ["PORT", "80a", false],
    ["PORT", "-1", false],
    ["ECART_SWEEP_EVERY_MS", String(MIN_SWEEP_EVERY_MS), true],
    ["ECART_SWEEP_EVERY_MS", String(MIN_SWEEP_EVERY_MS - 1), false],
    ["ECART_SWEEP_EVERY_MS", "1e3", false],
    ["ECART_SWEEP_EVERY_MS", "60s", false],
    ["ECART_SWEEP_BATCH", "1", true],
    ["ECART_SWEEP_BATCH", "0", false],
    ["ECART_SWEEP_BATCH", String(MAX_SWEEP_BATCH), true],
    ["ECART_SWEEP_BATCH", String(MAX_SWEEP_BATCH + 1), false],
    ["ECART_SWEEP_BATCH", "1.5", false],
  ])("%s=%s accepted: %s (a refusal names the variable, in French and in English)", (variable, value, ok) => {
    const e = (() => {
      try {
        serveSettingsFromEnv({ [variable]: value });
        return null;
      } catch (x) {
        return x as EcartError;
      }
    })();
    if (ok) return expect(e).toBeNull();
    expect(e).toBeInstanceOf(EcartError);
    expect(e?.code).toBe("INVALID_INPUT");
    expect(e?.field).toBe(variable);
    expect(e?.messageFr).toContain(`Variable d'environnement ${variable} invalide`);
    expect(e?.message).toContain(`environment variable ${variable} is invalid`);
  });
});
