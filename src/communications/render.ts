/**
 * A stored message made ready for delivery: the RFC 822 email (built by nodemailer's
 * MailComposer) or the PDF letter. The same bytes whether the worker delivers them or a
 * scenario run exports them.
 */
import MailComposer from "nodemailer/lib/mail-composer";
import type { Channel, Template } from "../platform/schema.js";
import { type SenderIdentity, senderAddress, senderDomain } from "./identity.js";
import { letterPdf } from "./letter-pdf.js";
import { renderEmail, renderLetter } from "./templates.js";

/** The columns of a `communications` row that rendering needs. */
export interface StoredMessage {
  id: string;
  template: Template;
  channel: Channel;
  recipient_name: string;
  to_address: string;
  payload: unknown;
  created_at: Date;
  message_id: string | null;
}

/**
 * The message's RFC 5322 Message-ID, fixed by its outbox id and creation instant: every
 * attempt and every retry of a message carries the same one, so a receiving system that
 * keeps Message-IDs sees a repeat as the same message.
 */
export function messageIdFor(
  m: Pick<StoredMessage, "id" | "created_at" | "message_id">,
  from: string,
): string {
  return m.message_id ?? `<${m.id}.${m.created_at.getTime().toString(36)}@${senderDomain(from)}>`;
}

/** The file a message is delivered to (file transport) or exported as. */
export function artifactName(m: Pick<StoredMessage, "id" | "template" | "channel">): string {
  return `${m.id}-${m.template}.${m.channel === "EMAIL" ? "eml" : "pdf"}`;
}

export interface RenderedEmail {
  kind: "EMAIL";
  messageId: string;
  envelope: { from: string; to: string };
  /** The whole message, RFC 822, as an SMTP server or an .eml file receives it. */
  raw: Buffer;
}

export interface RenderedLetter {
  kind: "LETTER";
  messageId: string;
  pdf: Buffer;
}

export async function renderStored(
  m: StoredMessage,
  identity: SenderIdentity,
  timeZone?: string,
): Promise<RenderedEmail | RenderedLetter> {
  const messageId = messageIdFor(m, identity.from);
  const meta = { id: m.id, createdAt: m.created_at, identity, timeZone, channel: m.channel };
  if (m.channel === "LETTER") {
    const blocks = renderLetter(m.template, m.payload, {
      ...meta,
      toAddress: m.to_address,
      recipientName: m.recipient_name,
    });
    return { kind: "LETTER", messageId, pdf: await letterPdf(blocks, m.created_at, `${m.id} ${m.template}`) };
  }
  const content = renderEmail(m.template, m.payload, meta);
  const raw = await new MailComposer({
    from: identity.from,
    to: { name: m.recipient_name, address: m.to_address },
    subject: content.subject,
    text: content.text,
    html: content.html,
    messageId,
    date: m.created_at,
    headers: { "X-Ecart-Message": m.id, "X-Ecart-Template": m.template, "Content-Language": "fr" },
  })
    .compile()
    .build();
  return {
    kind: "EMAIL",
    messageId,
    envelope: { from: senderAddress(identity.from), to: m.to_address },
    raw,
  };
}

/** What the console shows of a message: the email's subject and parts, or the letter as a PDF. */
export async function previewStored(m: StoredMessage, identity: SenderIdentity, timeZone?: string) {
  if (m.channel === "LETTER") {
    const r = (await renderStored(m, identity, timeZone)) as RenderedLetter;
    return { kind: "LETTER" as const, pdf: r.pdf };
  }
  const meta = { id: m.id, createdAt: m.created_at, identity, timeZone, channel: m.channel };
  const content = renderEmail(m.template, m.payload, meta);
  return {
    kind: "EMAIL" as const,
    from: identity.from,
    to: m.to_address,
    subject: content.subject,
    text: content.text,
    html: content.html,
  };
}
