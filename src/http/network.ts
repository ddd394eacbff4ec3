/**
 * Where the server listens and whom it believes: which reverse proxies' `X-Forwarded-*` headers count
 * (ECART_TRUST_PROXY), and whether an interface is loopback only.
 */
import { BlockList, isIP } from "node:net";
import { EcartError, ErrorCode } from "../platform/errors.js";

/** Proxies to believe: none (false), a number of hops counted from the socket, or their addresses/ranges. */
export type TrustProxy = false | number | string[];

/** Private and loopback networks: where a proxy trusted by hop count must be (the socket's peer). */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ["127.0.0.0", 8],
  ["10.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["169.254.0.0", 16],
] as const)
  PRIVATE.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
] as const)
  PRIVATE.addSubnet(net, bits, "ipv6");

/** True for a loopback or private address (IPv4-mapped IPv6 included). */
export function isPrivateAddress(address: string): boolean {
  const a = address.toLowerCase().startsWith("::ffff:") ? address.slice(7) : address;
  const family = isIP(a);
  return family !== 0 && PRIVATE.check(a, family === 6 ? "ipv6" : "ipv4");
}

/**
 * Fastify's `trustProxy` for a configuration. A hop count trusts that many hops from the socket, provided
 * the socket's peer is a private or loopback address (a proxy): a client reaching the server directly from
 * elsewhere cannot make its own `X-Forwarded-For` count. Never `true`.
 */
export function fastifyTrustProxy(
  tp: TrustProxy,
): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof tp !== "number") return tp;
  if (tp === 0) return false;
  return (address, hop) => hop < tp && (hop > 0 || isPrivateAddress(address));
}

/** Most proxy hops one may trust: more is a mistake, not a topology. */
export const MAX_TRUSTED_HOPS = 5;
/** Names proxy-addr understands for ranges of addresses. */
const RANGE_NAMES: ReadonlySet<string> = new Set(["loopback", "linklocal", "uniquelocal"]);

const refuse = (value: string, why: string) =>
  new EcartError(
    ErrorCode.INVALID_INPUT,
    `ECART_TRUST_PROXY invalide (« ${value} ») : ${why}. Donnez le nombre de proxys devant Écart (1) ou leurs adresses (10.0.0.5,10.0.0.0/24).`,
    `invalid ECART_TRUST_PROXY "${value}": give the number of proxies in front (1) or their addresses`,
    "ECART_TRUST_PROXY",
  );

/**
 * ECART_TRUST_PROXY: unset, empty or "0" trusts nobody; a whole number trusts that many hops (1: the proxy
 * in front); otherwise a comma-separated list of addresses, CIDR ranges or `loopback`/`linklocal`/`uniquelocal`.
 * "true" (every hop, so a client's own forged `X-Forwarded-For`) is refused.
 */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  const v = (value ?? "").trim();
  if (v === "" || v === "0") return false;
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops > MAX_TRUSTED_HOPS) throw refuse(v, `au plus ${MAX_TRUSTED_HOPS} proxys`);
    return hops;
  }
  const items = v.split(",").map((s) => s.trim());
  for (const item of items) {
    const [address = "", bits, extra] = item.split("/");
    const family = isIP(address);
    const bitsOk =
      bits === undefined ||
      (/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32) && extra === undefined);
    if (!(RANGE_NAMES.has(item) || (family !== 0 && bitsOk))) {
      throw refuse(v, `« ${item} » n'est ni une adresse IP, ni une plage CIDR`);
    }
  }
  return items;
}

/** True when HOST binds the loopback interface only (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, "");
  if (h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  const v4 = h.startsWith("::ffff:") ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith("127.");
}

/** How long the server waits for a client (a slow client must not hold a connection for long). */
export interface HttpTimeouts {
  /** Whole request received, headers and body (Fastify `requestTimeout`): a 10 MB upload at 1.5 Mbit/s. */
  requestMs: number;
  /** Headers received (http `headersTimeout`; at most `requestMs`). */
  headersMs: number;
  /** A connection with nothing sent either way (Fastify `connectionTimeout`). */
  idleMs: number;
  /** How often Node checks the request and header timeouts (http `connectionsCheckingInterval`). */
  checkEveryMs: number;
}

export const DEFAULT_TIMEOUTS: HttpTimeouts = {
  requestMs: 60_000,
  headersMs: 15_000,
  idleMs: 120_000,
  checkEveryMs: 5_000,
};

/** The Fastify server options that apply the timeouts. */
export function timeoutOptions(t: HttpTimeouts) {
  const headersMs = Math.min(t.headersMs, t.requestMs);
  return {
    requestTimeout: t.requestMs,
    connectionTimeout: t.idleMs,
    http: {
      headersTimeout: headersMs,
      requestTimeout: t.requestMs,
      connectionsCheckingInterval: t.checkEveryMs,
    },
  };
}
