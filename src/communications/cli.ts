/** `ecart outbox`: list the messages and their delivery status; retry a failed one; deliver now. */
import { userInfo } from "node:os";
import type { EcartConfig } from "../platform/config.js";
import type { Context } from "../platform/context.js";
import type { Database } from "../platform/db.js";
import { EcartError } from "../platform/errors.js";
import { flag } from "../platform/flag.js";
import type { DeliveryStatus } from "../platform/schema.js";
import { FAILURE_LABEL, listCommunications, retryCommunication } from "./outbox.js";
import { deliverDue } from "./worker.js";

export const OUTBOX_USAGE = `usage: ecart outbox [--status PENDING|SENDING|SENT|FAILED] [--json]
       ecart outbox retry ID      put a FAILED message back in the queue
       ecart outbox deliver       deliver the due messages now (one pass)`;

const STATUSES: DeliveryStatus[] = ["PENDING", "SENDING", "SENT", "FAILED"];

const when = (d: Date | null) => (d ? d.toISOString().replace("T", " ").slice(0, 16) : "");

/** The advisor who runs the CLI: ECART_USER or the OS account, back office, entity ECART_ENTITY. */
function cliContext(config: EcartConfig): Context {
  return {
    actor: {
      user: process.env.ECART_USER || userInfo().username,
      role: "BO",
      entity: process.env.ECART_ENTITY || "CLI",
    },
    now: new Date(),
    config,
  };
}

/** Where the command writes (process.stdout and process.stderr, or a test's sink). */
export interface Output {
  write(text: string): unknown;
}

export async function outboxCommand(
  db: Database,
  config: EcartConfig,
  args: string[],
  out: Output = process.stdout,
  err: Output = process.stderr,
): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "retry") {
    const id = rest[0];
    if (!id) {
      err.write(`${OUTBOX_USAGE}\n`);
      return 2;
    }
    try {
      await db.kysely.transaction().execute((trx) => retryCommunication(trx, cliContext(config), id));
    } catch (e) {
      if (e instanceof EcartError) {
        err.write(`${e.messageFr}\n`);
        return 1;
      }
      throw e;
    }
    out.write(`${id} : remis en file d'envoi\n`);
    return 0;
  }
  if (sub === "deliver") {
    const r = await deliverDue(db);
    out.write(`${JSON.stringify(r)}\n`);
    return r.failed.length === 0 ? 0 : 1;
  }
  if (sub !== undefined && !sub.startsWith("--")) {
    err.write(`${OUTBOX_USAGE}\n`);
    return 2;
  }
  const flags = sub === undefined ? rest : [sub, ...rest];
  const status = flag(flags, "--status")?.toUpperCase() as DeliveryStatus | undefined;
  if (status && !STATUSES.includes(status)) {
    err.write(`${OUTBOX_USAGE}\n`);
    return 2;
  }
  const rows = await listCommunications(db, { status });
  if (flags.includes("--json")) {
    out.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  if (rows.length === 0) {
    out.write("no message\n");
    return 0;
  }
  const table = rows.map((m) => [
    m.id,
    m.template,
    m.channel,
    m.to_address.replace(/\s+/g, " "),
    m.status,
    String(m.attempts),
    m.status === "SENT"
      ? `sent ${when(m.sent_at)}`
      : m.status === "PENDING"
        ? `next ${when(m.next_attempt_at)}`
        : "",
    m.status === "FAILED"
      ? `${m.failure ? `${FAILURE_LABEL[m.failure]} — ` : ""}${m.last_error ?? ""}`
      : (m.last_error ?? ""),
  ]);
  const head = ["ID", "TEMPLATE", "CHANNEL", "TO", "STATUS", "TRIES", "WHEN", "REASON"];
  const widths = head.map((h, i) =>
    Math.min(40, Math.max(h.length, ...table.map((r) => (r[i] ?? "").length))),
  );
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  out.write(`${[line(head), ...table.map(line)].join("\n")}\n`);
  return 0;
}
