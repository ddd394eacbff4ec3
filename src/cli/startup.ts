/**
 * What `ecart serve` says when it starts (one log line): where its data is, how mail leaves, and the
 * figures in force, so that an operator reading the log knows which configuration runs. Never a password.
 */
import { resolve } from "node:path";
import type { DeliveryConfig } from "../communications/transport.js";
import type { EcartConfig } from "../platform/config.js";

/** The database of a URL without its secrets: a server's host, port and database, or the embedded folder. */
export function describeDatabase(url: string): string {
  if (/^postgres(ql)?:\/\//.test(url)) {
    try {
      const u = new URL(url);
      const user = u.username ? `${decodeURIComponent(u.username)}@` : "";
      const host = decodeURIComponent(u.hostname);
      // A host that is a folder is the server's Unix socket there (percent-encoded in the URL).
      if (host.startsWith("/")) return `PostgreSQL server ${user}socket ${host}${u.pathname || "/"}`;
      return `PostgreSQL server ${user}${host}:${u.port || 5432}${u.pathname || "/"}`;
    } catch {
      return "PostgreSQL server (unreadable DATABASE_URL)";
    }
  }
  if (url === "memory://") return "embedded PGlite in memory (nothing kept)";
  return `embedded PGlite in ${resolve(url.replace(/^file:\/\//, ""))}`;
}

/** How emails and letters leave: the SMTP relay (host, port, TLS), or the folders files are written to. */
export function describeMail(c: DeliveryConfig): { emails: string; letters: string } {
  const s = c.smtp;
  return {
    emails: s
      ? `SMTP ${s.host}:${s.port}${s.secure ? " (TLS)" : s.requireTLS ? " (STARTTLS required)" : ""}${s.user ? ` as ${s.user}` : ""}`
      : `.eml files in ${resolve(c.emailDir)}`,
    letters: `PDF files in ${resolve(c.letterDir)}`,
  };
}

/** The business figures in force (SPEC §3, §4). */
export function figuresInForce(c: EcartConfig): Record<string, unknown> {
  return {
    toleranceM3: c.toleranceM3,
    proofDeadlineDays: c.proofDeadlineDays,
    prescriptionYears: c.prescriptionYears,
    proofReminderDays: c.proofReminderDays,
    timeZone: c.timeZone,
    plausibility: c.plausibility,
  };
}
