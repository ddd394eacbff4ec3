/**
 * Which accounts keep a demo or blocklisted password (issue 14 #1): a server bound to anything but loopback
 * refuses to start while there is one. A password set since migration 800 was checked against the policy
 * when it was set (the demo accounts are marked weak); one set before is checked once against the demo
 * password and the username, and the finding recorded.
 */
import type { Kysely } from "kysely";
import type { DB } from "../platform/schema.js";
import { DEMO_PASSWORD } from "./password-policy.js";
import { verifyPassword } from "./passwords.js";
import { accountsWithSuspectPasswords, markPasswordWeak } from "./store.js";

/** The names of the accounts whose password is a demo or blocklisted one, in name order. */
export async function weakPasswordAccounts(db: Kysely<DB>): Promise<string[]> {
  const weak: string[] = [];
  for (const a of await accountsWithSuspectPasswords(db)) {
    let isWeak = a.weak_password === true;
    if (a.weak_password === null) {
      isWeak =
        (await verifyPassword(DEMO_PASSWORD, a.password_hash)) ||
        (await verifyPassword(a.username, a.password_hash));
      await markPasswordWeak(db, a.id, isWeak);
    }
    if (isWeak) weak.push(a.username);
  }
  return weak;
}
