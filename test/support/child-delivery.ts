/**
 * Outbox delivery settings for tests: SMTP on a loopback test peer (plain text, no TLS) when a port
 * is given, emails and letters written under the test's own directory.
 */
import { join } from "node:path";
import { DEFAULT_IDENTITY } from "../../src/communications/identity.js";
import type { DeliveryConfig } from "../../src/communications/transport.js";

/** Delivery into `dir`; SMTP to the loopback peer on `smtpPort` when given, else `.eml` files. */
export function deliveryConfigIn(dir: string, smtpPort?: number): DeliveryConfig {
  return {
    smtp:
      smtpPort === undefined
        ? null
        : {
            host: "127.0.0.1",
            port: smtpPort,
            secure: false,
            requireTLS: false,
            ignoreTLS: true,
            rejectUnauthorized: true,
            timeoutMs: 5_000,
          },
    identity: DEFAULT_IDENTITY,
    emailDir: join(dir, "email"),
    letterDir: join(dir, "letters"),
    timeZone: "Europe/Paris",
  };
}

/** The crash tests' worker processes: the SMTP port as it comes on their command line. */
export function childDeliveryConfig(smtpPort: string, dir: string): DeliveryConfig {
  return deliveryConfigIn(dir, Number(smtpPort));
}
