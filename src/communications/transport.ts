/**
 * Where messages go: emails over SMTP when SMTP_URL is set, else as .eml files; letters
 * always as PDF files in the print service's folder. Configuration comes from the environment.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import SMTPConnection from "nodemailer/lib/smtp-connection";
import { DEFAULT_TIME_ZONE } from "../platform/dates.js";
import type { Channel } from "../platform/schema.js";
import { identityFromEnv, type SenderIdentity, senderDomain } from "./identity.js";
import {
  artifactName,
  type RenderedEmail,
  type RenderedLetter,
  renderStored,
  type StoredMessage,
} from "./render.js";

export type TransportKind = "SMTP" | "FILE";

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (smtps://, port 465). */
  secure: boolean;
  user?: string;
  pass?: string;
  /** Refuse to send unless STARTTLS succeeds (SMTP_REQUIRE_TLS=true). */
  requireTLS: boolean;
  /** Never try STARTTLS (SMTP_IGNORE_TLS=true; a loopback relay without TLS). */
  ignoreTLS: boolean;
  /** Check the server's certificate (SMTP_TLS_REJECT_UNAUTHORIZED=false only for a test relay). */
  rejectUnauthorized: boolean;
  /** PEM file of the CA that signed the relay's certificate (SMTP_TLS_CA). */
  caFile?: string;
  /** Connection, greeting and socket timeout (SMTP_TIMEOUT_MS). */
  timeoutMs: number;
}

export interface DeliveryConfig {
  smtp: SmtpSettings | null;
  identity: SenderIdentity;
  /** Where emails are written as .eml files when there is no SMTP. */
  emailDir: string;
  /** The print service's folder: every letter, as a PDF file. */
  letterDir: string;
  timeZone: string;
}

/** Default SMTP timeout: a relay that has not answered in 30 s is down. */
export const DEFAULT_SMTP_TIMEOUT_MS = 30_000;

const yes = (v: string | undefined) => v !== undefined && /^(1|true|yes|on)$/i.test(v);
const no = (v: string | undefined) => v !== undefined && /^(0|false|no|off)$/i.test(v);

/** Reads SMTP_URL (smtp://user:pass@host:port or smtps://…) and the TLS options. */
export function smtpFromEnv(env: NodeJS.ProcessEnv = process.env): SmtpSettings | null {
  if (!env.SMTP_URL) return null;
  const u = new URL(env.SMTP_URL);
  if (u.protocol !== "smtp:" && u.protocol !== "smtps:")
    throw new Error(`SMTP_URL must start with smtp:// or smtps:// (got ${u.protocol})`);
  const secure = u.protocol === "smtps:";
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    user: u.username ? decodeURIComponent(u.username) : undefined,
    pass: u.password ? decodeURIComponent(u.password) : undefined,
    requireTLS: yes(env.SMTP_REQUIRE_TLS),
    ignoreTLS: yes(env.SMTP_IGNORE_TLS),
    rejectUnauthorized: !no(env.SMTP_TLS_REJECT_UNAUTHORIZED),
    caFile: env.SMTP_TLS_CA || undefined,
    timeoutMs: Number(env.SMTP_TIMEOUT_MS) || DEFAULT_SMTP_TIMEOUT_MS,
  };
}

/** The outbox folder: ECART_OUTBOX_DIR, else ECART_DATA/outbox (./data/outbox). */
export function outboxDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.ECART_OUTBOX_DIR || join(env.ECART_DATA || "./data", "outbox");
}

export function deliveryConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DeliveryConfig {
  const dir = outboxDir(env);
  return {
    smtp: smtpFromEnv(env),
    identity: identityFromEnv(env),
    emailDir: join(dir, "email"),
    letterDir: env.ECART_PRINT_DIR || join(dir, "letters"),
    timeZone: DEFAULT_TIME_ZONE,
  };
}

/** A failed delivery. `certainNotSent` is true only when the message surely did not reach anyone. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly certainNotSent: boolean,
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}

export interface Delivered {
  transport: TransportKind;
  messageId: string;
  /** The file written (letters, and emails without SMTP). */
  artifactPath: string | null;
  /** The server's answer or the file's path, for the attempt's record. */
  detail: string;
}

/** Which transport a channel uses under this configuration. */
export function transportFor(config: DeliveryConfig, channel: Channel): TransportKind {
  return channel === "EMAIL" && config.smtp ? "SMTP" : "FILE";
}

/**
 * Writes a file so that it appears whole or not at all (a temporary name, then a rename):
 * writing the same message twice leaves one file, which is what makes file delivery idempotent.
 */
export async function writeAtomically(dir: string, name: string, bytes: Buffer): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, name);
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  await writeFile(tmp, bytes);
  await rename(tmp, path);
  return path;
}

async function sendSmtp(s: SmtpSettings, mail: RenderedEmail, heloName: string): Promise<string> {
  const ca = s.caFile ? await readFile(s.caFile) : undefined;
  const conn = new SMTPConnection({
    host: s.host,
    port: s.port,
    secure: s.secure,
    requireTLS: s.requireTLS,
    ignoreTLS: s.ignoreTLS,
    tls: { rejectUnauthorized: s.rejectUnauthorized, ...(ca ? { ca } : {}) },
    connectionTimeout: s.timeoutMs,
    greetingTimeout: s.timeoutMs,
    socketTimeout: s.timeoutMs,
    name: heloName,
  });
  // Until the content starts to stream (right after the envelope is accepted), nothing can have been delivered.
  let dataStarted = false;
  // connect() reports a failure only as an "error" event, and a dropped connection as "end".
  const broken = new Promise<never>((_, reject) => {
    conn.once("error", reject);
    conn.once("end", () => reject(new Error("connection closed by the server")));
  });
  broken.catch(() => {});
  const step = <T>(run: (cb: (err: Error | null | undefined, v?: T) => void) => void) =>
    Promise.race([
      new Promise<T>((resolve, reject) => run((err, v) => (err ? reject(err) : resolve(v as T)))),
      broken,
    ]);
  try {
    await step<void>((cb) => conn.connect((err) => cb(err)));
    if (s.user) await step<boolean>((cb) => conn.login({ user: s.user, pass: s.pass ?? "" }, cb));
    const body = new Readable({
      read() {
        if (dataStarted) return;
        dataStarted = true;
        this.push(mail.raw);
        this.push(null);
      },
    });
    const info = await step<{ response: string; accepted: string[]; rejected: string[] }>((cb) =>
      conn.send({ from: mail.envelope.from, to: [mail.envelope.to], size: mail.raw.length }, body, cb),
    );
    if (info.accepted.length === 0)
      throw Object.assign(new Error(`recipient refused: ${info.rejected.join(", ")}`), { responseCode: 550 });
    return info.response;
  } catch (e) {
    const err = e as Error & { responseCode?: number; code?: string };
    // A reply code is the server's own refusal; an error before the content was read happened
    // before the server could accept anything. Otherwise the server may have taken the message.
    const certain = typeof err.responseCode === "number" || !dataStarted;
    throw new DeliveryError(`SMTP ${err.code ?? ""} ${err.message}`.replace(/\s+/g, " ").trim(), certain);
  } finally {
    conn.quit();
    setTimeout(() => conn.close(), 1000).unref();
  }
}

/** Renders and delivers one stored message through the configured transport. */
export async function deliver(config: DeliveryConfig, m: StoredMessage): Promise<Delivered> {
  let rendered: RenderedEmail | RenderedLetter;
  try {
    rendered = await renderStored(m, config.identity, config.timeZone);
  } catch (e) {
    throw new DeliveryError(`rendering failed: ${(e as Error).message}`, true);
  }
  const transport = transportFor(config, m.channel);
  if (rendered.kind === "EMAIL" && transport === "SMTP" && config.smtp) {
    const response = await sendSmtp(config.smtp, rendered, senderDomain(config.identity.from));
    return { transport, messageId: rendered.messageId, artifactPath: null, detail: response };
  }
  const dir = rendered.kind === "EMAIL" ? config.emailDir : config.letterDir;
  const bytes = rendered.kind === "EMAIL" ? rendered.raw : rendered.pdf;
  try {
    const path = await writeAtomically(dir, artifactName(m), bytes);
    return { transport: "FILE", messageId: rendered.messageId, artifactPath: path, detail: path };
  } catch (e) {
    throw new DeliveryError(`writing the file failed: ${(e as Error).message}`, true);
  }
}
