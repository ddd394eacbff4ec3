#!/usr/bin/env node
/** The `ecart` command line. `ecart help` lists the commands. */
import { isEcartError } from "../platform/errors.js";

const USAGE = `ecart — consumption gaps between occupants

  ecart scenario run FILE        replay a scenario (SPEC §7), print the JSON result
  ecart scenario worker SOCKET   keep a migrated database and replay the files sent by
                                 ecart scenario run --worker SOCKET FILE (docs/scenarios.md)
  ecart serve                    start the product (deadline sweep on a timer)
  ecart sweep                    process every expired deadline now
  ecart outbox [--status S]      list the messages to customers and their delivery status
  ecart outbox retry ID          retry a FAILED message (ecart outbox deliver: deliver now)
  ecart user add NAME --role R --entity E   create an account (password: ECART_PASSWORD or prompt)
  ecart user list | token NAME   list accounts; print a new API token
  ecart import readings FILE.csv load readings in bulk (docs/readings-import.md)
  ecart import service-points|meters|subscriptions FILE.csv   load the CIS's reference data (docs/integration.md)
  ecart webhook add URL | list | disable ID | enable ID | attempts ID   webhook endpoints (docs/integration.md)
  ecart demo [--service-points N] [--seed S]   fill the database with a realistic data set
  ecart config                   print the figures in force (defaults and ECART_… variables) as JSON
  ecart migrate                  bring the database schema up to date
  ecart backup FILE | restore FILE [--force]   the embedded database (docs/operations.md)
  ecart help                     this text

Database: DATABASE_URL=postgres://… for a server; otherwise the embedded one in ECART_DATA (./data),
which one process at a time may open: fill it (demo, import), then start the server.`;

type Handler = (args: string[]) => Promise<number>;

const commands: Record<string, Handler> = {
  async scenario(args) {
    const [sub, ...rest] = args;
    if (sub === "worker" && rest[0]) {
      const { serveWorker } = await import("../scenarios/worker.js");
      return serveWorker(rest[0]);
    }
    if (sub !== "run" || !rest[0]) {
      process.stderr.write(
        "usage: ecart scenario run [--worker SOCKET] FILE | ecart scenario worker SOCKET\n",
      );
      return 2;
    }
    let r: { code: number; stdout: string; stderr: string };
    if (rest[0] === "--worker" && rest[1]) {
      const { replayThrough } = await import("../scenarios/client.js");
      r = await replayThrough(rest[1], rest.slice(2));
    } else {
      const { replayFile } = await import("../scenarios/replay.js");
      r = await replayFile(rest);
    }
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    return r.code;
  },
  async serve(args) {
    const { serve } = await import("./serve.js");
    return serve(args);
  },
  async sweep() {
    const { withDatabase } = await import("./database.js");
    return withDatabase(async (db, config) => {
      const { sweepDeadlines } = await import("../move-in/sweep.js");
      const r = await sweepDeadlines(db, new Date(), config);
      process.stdout.write(`${JSON.stringify(r)}\n`);
      return r.failed.length === 0 ? 0 : 1;
    });
  },
  async outbox(args) {
    const { withDatabase } = await import("./database.js");
    const { outboxCommand } = await import("../communications/cli.js");
    return withDatabase((db, config) => outboxCommand(db, config, args));
  },
  async user(args) {
    const { withDatabase } = await import("./database.js");
    const { userCommand } = await import("../accounts/cli.js");
    return withDatabase((db) => userCommand(db, args));
  },
  async import(args) {
    if (args[0] !== "readings") {
      const { referenceImportCommand } = await import("./import-reference.js");
      return referenceImportCommand(args);
    }
    const { importCommand } = await import("./import-readings.js");
    return importCommand(args);
  },
  async webhook(args) {
    const { withDatabase } = await import("./database.js");
    const { webhookCommand } = await import("./webhook.js");
    return withDatabase((db, config) => webhookCommand(db, config, args));
  },
  async demo(args) {
    const { demoCommand } = await import("./demo.js");
    return demoCommand(args);
  },
  async config() {
    const { configFromEnv } = await import("../platform/config.js");
    process.stdout.write(`${JSON.stringify(configFromEnv(), null, 2)}\n`);
    return 0;
  },
  async migrate() {
    const { withDatabase } = await import("./database.js");
    return withDatabase(async () => {
      process.stdout.write("schema up to date\n");
      return 0;
    });
  },
  async backup(args) {
    const { backupCommand } = await import("./backup.js");
    return backupCommand(args);
  },
  async restore(args) {
    const { restoreCommand } = await import("./backup.js");
    return restoreCommand(args);
  },
  async help() {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  },
};

export function registerCommand(name: string, handler: Handler) {
  commands[name] = handler;
}

async function main(argv: string[]) {
  const [name = "help", ...args] = argv;
  const handler = commands[name];
  if (!handler) {
    process.stderr.write(`unknown command: ${name}\n\n${USAGE}\n`);
    return 2;
  }
  return handler(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    // A refusal (the data folder held by another process…) is said in French, then in English for the logs.
    if (isEcartError(e)) process.stderr.write(`ecart: ${e.messageFr}\necart: ${e.message}\n`);
    else process.stderr.write(`ecart: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  },
);
