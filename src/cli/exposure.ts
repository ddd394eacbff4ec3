/**
 * `ecart serve` on an interface other than loopback (issue 14 #1): never with the published demo password
 * or another blocklisted one. The demo accounts are created on loopback only; a server bound elsewhere
 * refuses to start (exit 1, one French and one English line) while any account keeps such a password.
 */
import type { Kysely } from "kysely";
import { weakPasswordAccounts } from "../accounts/exposure.js";
import { isLoopbackHost } from "../http/network.js";
import type { DB } from "../platform/schema.js";

/** Exit code of a server that refuses to start exposed with weak passwords. */
export const EXPOSED_WEAK_EXIT = 1;

/** Why a server on `host` must not start with these weak-password accounts (French, English), or null. */
export function exposureRefusal(host: string, weak: readonly string[]): { fr: string; en: string } | null {
  if (isLoopbackHost(host) || weak.length === 0) return null;
  const names = weak.join(", ");
  return {
    fr: `Démarrage refusé : HOST=${host} expose le serveur au réseau et ces comptes ont un mot de passe de démonstration ou trop courant : ${names}. Changez-les (npm run --silent ecart -- user password NOM) ou démarrez sur 127.0.0.1.`,
    en: `Refusing to start: HOST=${host} is not loopback and these accounts have a demo or blocklisted password: ${names}. Change them (ecart user password NAME) or serve on 127.0.0.1.`,
  };
}

/** The refusal for a server about to listen on `host`, reading the accounts only when it is not loopback. */
export async function checkExposure(db: Kysely<DB>, host: string) {
  if (isLoopbackHost(host)) return null;
  return exposureRefusal(host, await weakPasswordAccounts(db));
}
