/**
 * `ecart webhook add URL [--description TEXT] [--from-start] | list | disable ID | enable ID | attempts ID`:
 * the webhook endpoints of the event feed from the command line, audited as `cli:<system user>`.
 */
import { userInfo } from "node:os";
import {
  addWebhookEndpoint,
  listWebhookEndpoints,
  setWebhookActive,
  webhookAttempts,
} from "../integration/webhooks.js";
import type { EcartConfig } from "../platform/config.js";
import type { Context } from "../platform/context.js";
import type { Database } from "../platform/db.js";
import { EcartError } from "../platform/errors.js";
import { flag } from "../platform/flag.js";

export const WEBHOOK_USAGE = `usage: ecart webhook add URL [--description TEXT] [--from-start]   register an endpoint (prints its secret once)
       ecart webhook list                         endpoints and their delivery state
       ecart webhook disable ID | enable ID       stop or resume deliveries to an endpoint
       ecart webhook attempts ID                  its latest delivery attempts`;

function cliContext(config: EcartConfig): Context {
  let who = "unknown";
  try {
    who = userInfo().username;
  } catch {
    // no user name for this uid (a container)
  }
  return { actor: { user: `cli:${who}`, role: "ADMIN", entity: "CLI" }, now: new Date(), config };
}

export async function webhookCommand(
  db: Database,
  config: EcartConfig,
  args: string[],
  out: { write(s: string): unknown } = process.stdout,
  err: { write(s: string): unknown } = process.stderr,
): Promise<number> {
  const [sub, arg] = args;
  const ctx = cliContext(config);
  try {
    if (sub === "add" && arg) {
      const { endpoint, secret } = await addWebhookEndpoint(db, ctx, {
        url: arg,
        description: flag(args, "--description") ?? null,
        fromStart: args.includes("--from-start"),
      });
      out.write(
        `endpoint ${endpoint.id} ${endpoint.url} (events after position ${endpoint.deliveredPosition})\n`,
      );
      out.write(`secret ${secret}\n`);
      return 0;
    }
    if (sub === "list") {
      for (const e of await listWebhookEndpoints(db)) {
        const state = e.active
          ? e.lastError
            ? `failing (${e.attempts}): ${e.lastError}`
            : "ok"
          : "disabled";
        out.write(`${e.id}\t${e.url}\tdelivered ${e.deliveredPosition}\tpending ${e.pending}\t${state}\n`);
      }
      return 0;
    }
    if ((sub === "disable" || sub === "enable") && arg) {
      const e = await setWebhookActive(db, ctx, arg, sub === "enable");
      out.write(`${e.id} ${e.active ? "enabled" : "disabled"}\n`);
      return 0;
    }
    if (sub === "attempts" && arg) {
      for (const a of await webhookAttempts(db, arg)) {
        out.write(
          `${a.startedAt}\tevent ${a.eventPosition} (${a.eventId})\tattempt ${a.attempt}\t${a.outcome ?? "in flight"}\t${a.statusCode ?? ""}\t${a.error ?? ""}\n`,
        );
      }
      return 0;
    }
  } catch (e) {
    if (e instanceof EcartError) {
      err.write(`${e.messageFr}\n`);
      return 1;
    }
    throw e;
  }
  err.write(`${WEBHOOK_USAGE}\n`);
  return 2;
}
