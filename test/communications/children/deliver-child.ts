/**
 * A real outbox worker process for the crash test: one delivery pass over SMTP, that stops
 * dead (the parent SIGKILLs it) just before or just after handing message TARGET over.
 * Usage: deliver-child DB_URL SMTP_PORT OUTBOX_DIR TARGET before|after LEASE_MS
 */
import { deliverDue } from "../../../src/communications/worker.js";
import { openDatabase } from "../../../src/platform/db.js";
import { childDeliveryConfig } from "../../support/child-delivery.js";

const [url, port, dir, target, phase, lease] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];

/** Says where it stands and waits to be killed. */
function stopHere(what: string): Promise<void> {
  process.stdout.write(`${what}\n`);
  setInterval(() => {}, 1_000);
  return new Promise(() => {});
}

const db = await openDatabase({ url });
process.stdout.write("READY\n");
const r = await deliverDue(db, {
  config: childDeliveryConfig(port, dir),
  leaseMs: Number(lease),
  workerId: `child-${process.pid}`,
  hooks: {
    beforeSend: (id) => (id === target && phase === "before" ? stopHere(`CLAIMED ${id}`) : undefined),
    afterSend: (id) => (id === target && phase === "after" ? stopHere(`HANDED ${id}`) : undefined),
  },
});
process.stdout.write(`DONE ${JSON.stringify(r)}\n`);
await db.close();
