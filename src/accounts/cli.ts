/**
 * `ecart user …`: create accounts (the first admin on a fresh install), list them, issue, list and revoke
 * API tokens. What it changes is audited like the same change over the API, by `cli:<system user>`.
 */
import { userInfo } from "node:os";
import { createInterface } from "node:readline";
import type { Database } from "../platform/db.js";
import { EcartError } from "../platform/errors.js";
import { flag } from "../platform/flag.js";
import type { AccountRole } from "../platform/schema.js";
import { createAccountAudited, issueApiToken, resetPasswordAudited, revokeApiTokenAudited } from "./admin.js";
import {
  ACCOUNT_ROLES,
  type Account,
  listAccounts,
  listApiTokens,
  requireAccount,
  TOKEN_ONLY_ROLES,
} from "./store.js";

export const USER_USAGE = `usage: ecart user add USERNAME --role FO|BO|EUROS|SUPERVISOR|ADMIN --entity ENTITY
         (password from ECART_PASSWORD, else asked for on the terminal)
       ecart user add USERNAME --role INTEGRATION [--entity ENTITY]
         (the billing system's account: no password, no login; give it a token with ecart user token)
       ecart user password USERNAME                set a new password (ECART_PASSWORD, else asked for); its
         holder must change it at next login
       ecart user list
       ecart user token USERNAME [--label LABEL] [--expires-days N]
                                                   print a new API token (Authorization: Bearer …),
                                                   refused N days from now on (none: until revoked)
       ecart user tokens USERNAME                  list the account's API tokens (id, label, dates)
       ecart user revoke-token USERNAME ID         revoke one of them, at once`;

/** Who the audit log names for a change made from the command line (on the server, by a system user). */
function cliActor(): Account {
  let who = "unknown";
  try {
    who = userInfo().username;
  } catch {
    // no user name for this uid (a container): "unknown"
  }
  return { id: 0, username: `cli:${who}`, role: "ADMIN", entity: "CLI" };
}

/** Asks for a password on the terminal without echoing it. */
async function askPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) throw new Error("no terminal to ask for a password: set ECART_PASSWORD");
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const out = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WriteStream };
  let asked = false;
  out._writeToOutput = (s: string) => {
    if (!asked) {
      process.stdout.write(s);
      asked = true;
    }
  };
  try {
    return await new Promise<string>((resolve) => rl.question(prompt, resolve));
  } finally {
    rl.close();
    process.stdout.write("\n");
  }
}

/** A new password from ECART_PASSWORD, else asked twice on the terminal; undefined when the two differ. */
async function newPassword(name: string, err: { write(s: string): unknown }): Promise<string | undefined> {
  const given = process.env.ECART_PASSWORD;
  if (given !== undefined && given !== "") return given;
  const password = await askPassword(`password for ${name}: `);
  const again = await askPassword("again: ");
  if (again === password) return password;
  err.write("passwords differ\n");
  return undefined;
}

export async function userCommand(
  db: Database,
  args: string[],
  out: { write(s: string): unknown } = process.stdout,
  err: { write(s: string): unknown } = process.stderr,
): Promise<number> {
  const [sub, name] = args;
  try {
    if (sub === "add" && name) {
      const role = flag(args, "--role")?.toUpperCase() as AccountRole | undefined;
      const tokenOnly = role !== undefined && TOKEN_ONLY_ROLES.includes(role);
      const entity = flag(args, "--entity") ?? (tokenOnly ? role : undefined);
      if (!role || !ACCOUNT_ROLES.includes(role) || !entity) {
        err.write(`${USER_USAGE}\n`);
        return 2;
      }
      const password = tokenOnly ? null : await newPassword(name, err);
      if (password === undefined) return 1;
      const a = await createAccountAudited(
        db.kysely,
        cliActor(),
        { username: name, role, entity, password },
        new Date(),
      );
      out.write(`account ${a.username} created (role ${a.role}, entity ${a.entity})\n`);
      return 0;
    }
    if (sub === "password" && name) {
      const password = await newPassword(name, err);
      if (password === undefined) return 1;
      const a = await resetPasswordAudited(db.kysely, cliActor(), name, password, new Date());
      out.write(`password of ${a.username} set; to be changed at next login\n`);
      return 0;
    }
    if (sub === "list") {
      for (const a of await listAccounts(db.kysely)) {
        out.write(`${a.username}\t${a.role}\t${a.entity}\t${a.active ? "active" : "disabled"}\n`);
      }
      return 0;
    }
    if (sub === "token" && name) {
      const label = flag(args, "--label") ?? "cli";
      const days = flag(args, "--expires-days");
      if (args.includes("--expires-days") && !/^\d+$/.test(days ?? "")) {
        err.write(`${USER_USAGE}\n`);
        return 2;
      }
      const expires = days === undefined ? null : Number(days);
      const { token } = await issueApiToken(db.kysely, cliActor(), name, label, new Date(), expires);
      out.write(`${token}\n`);
      return 0;
    }
    if (sub === "tokens" && name) {
      const a = await requireAccount(db.kysely, name);
      for (const t of await listApiTokens(db.kysely, a.id)) {
        const expiry = t.expires_at ? new Date(t.expires_at) : null;
        const state = t.revoked_at
          ? `revoked ${new Date(t.revoked_at).toISOString()}`
          : expiry && expiry <= new Date()
            ? `expired ${expiry.toISOString()}`
            : `active${expiry ? ` until ${expiry.toISOString()}` : ""}`;
        out.write(`${t.id}\t${t.label}\t${new Date(t.created_at).toISOString()}\t${state}\n`);
      }
      return 0;
    }
    const id = Number(args[2]);
    if (sub === "revoke-token" && name && Number.isSafeInteger(id) && id > 0) {
      const r = await revokeApiTokenAudited(db.kysely, cliActor(), name, id, new Date());
      const at = new Date(r.revoked_at as Date).toISOString();
      out.write(
        `token ${id} (${r.label}) of ${r.account.username} ${r.revoked ? "revoked" : "already revoked"} at ${at}\n`,
      );
      return 0;
    }
  } catch (e) {
    if (e instanceof EcartError) {
      err.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
  err.write(`${USER_USAGE}\n`);
  return 2;
}
