/** Test support for communications: a real SMTP server on loopback that counts deliveries by Message-ID. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import type { DeliveryConfig } from "../../src/communications/transport.js";
import type { Context } from "../../src/platform/context.js";
import type { Database } from "../../src/platform/db.js";
import { execute } from "../../src/registry.js";
import { deliveryConfigIn } from "../support/child-delivery.js";
import { ctxAs, givenServicePoints, moveInRequest, servicePointFixture } from "../support/factories.js";

export interface TestSmtp {
  port: number;
  /** Deliveries accepted (250 after DATA), by Message-ID. */
  deliveries: Map<string, number>;
  /** Every accepted message, raw. */
  messages: Buffer[];
  /** Reply with this error to the next n DATA commands (e.g. 451 temporary failure). */
  rejectNext(n: number, code?: number): void;
  close(): Promise<void>;
}

export async function startSmtp(): Promise<TestSmtp> {
  const deliveries = new Map<string, number>();
  const messages: Buffer[] = [];
  let rejects = 0;
  let rejectCode = 451;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on("error", () => {
        /* the sender died mid-message: nothing was delivered */
      });
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", async () => {
        if (rejects > 0) {
          rejects--;
          const err = Object.assign(new Error("Temporary failure, try again later"), {
            responseCode: rejectCode,
          });
          return callback(err);
        }
        const raw = Buffer.concat(chunks);
        const parsed = await simpleParser(raw);
        const id = parsed.messageId ?? "(none)";
        deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
        messages.push(raw);
        callback();
      });
    },
  });
  // A sender killed mid-session (the crash tests' SIGKILL) resets its connection: expected, not a test error.
  server.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "ECONNRESET" && err.code !== "EPIPE") throw err;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  return {
    port,
    deliveries,
    messages,
    rejectNext(n, code = 451) {
      rejects = n;
      rejectCode = code;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A delivery configuration writing into a fresh temporary folder; SMTP on the port when given. */
export function testDeliveryConfig(smtpPort?: number): DeliveryConfig {
  return deliveryConfigIn(mkdtempSync(join(tmpdir(), "ecart-outbox-")), smtpPort);
}

/**
 * Real messages through the real commands: a move-in beyond tolerance by a customer with an
 * email (PROOF_REQUEST by EMAIL), one by a customer without (PROOF_REQUEST by LETTER).
 */
export async function seedMessages(
  db: Database,
  ctx: Context = ctxAs("FO"),
): Promise<{ email: string; letter: string }> {
  const before = new Set(
    (await db.kysely.selectFrom("communications").select("id").execute()).map((r) => r.id),
  );
  const a = servicePointFixture();
  const b = servicePointFixture({ address: "8 avenue Jean Jaurès, 69007 Lyon" });
  await givenServicePoints(db, a, b);
  await execute(db, ctx, "moveIn", moveInRequest(a.id, { index: 1012 }));
  await execute(
    db,
    ctx,
    "moveIn",
    moveInRequest(b.id, {
      index: 1020,
      customer: { name: "Louis Bernard", address: "3 impasse des Tilleuls, 69100 Villeurbanne" },
    }),
  );
  const rows = (
    await db.kysely.selectFrom("communications").select(["id", "channel"]).orderBy("id").execute()
  ).filter((r) => !before.has(r.id));
  const email = rows.find((r) => r.channel === "EMAIL")?.id;
  const letter = rows.find((r) => r.channel === "LETTER")?.id;
  if (!email || !letter) throw new Error(`seed produced ${JSON.stringify(rows)}`);
  return { email, letter };
}
