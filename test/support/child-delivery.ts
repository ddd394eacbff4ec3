/**
 * The outbox delivery settings of the crash tests' worker processes: SMTP on the loopback test peer
 * (plain text, no TLS), emails and letters written under the test's own directory.
 */
import { join } from "node:path";
import { DEFAULT_IDENTITY } from "../../src/communications/identity.js";

export function childDeliveryConfig(smtpPort: string, dir: string) {
  return {
    smtp: {
      host: "127.0.0.1",
      port: Number(smtpPort),
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
