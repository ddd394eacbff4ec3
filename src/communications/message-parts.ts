/**
 * The pieces every message of SPEC §5 is made of: the facts all payloads carry, the blocks a
 * message is written in, the salutation and closing, and how the premises and references are named.
 * Pure; the templates (templates.ts, handover-templates.ts) compose them.
 */
import { z } from "zod";
import { longDate, m3 } from "./french.js";
import type { SenderIdentity } from "./identity.js";

export const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
/** A date and an index, as payloads carry them. */
export const dated = z.object({ date: isoDay, index: z.number().int() });
/**
 * The termination a proof request is about: with no predecessor and no VALID reading (a reconnection whose
 * index is not known yet), no index (null) and the move-in's date.
 */
export const requestedTermination = dated.extend({ index: z.number().int().nullable() });
/** The facts every payload carries (`placeFacts` and the recipient `enqueue` adds). */
export const base = z.object({
  servicePoint: z.object({ id: z.string(), address: z.string() }),
  meterSerial: z.string().nullable(),
  caseId: z.string().nullable(),
  recipient: z.object({ name: z.string(), postalAddress: z.string().nullable().optional() }),
});
export type BaseFacts = z.infer<typeof base>;

/** What a message says, before it is laid out. */
export interface Composed {
  subject: string;
  /** Reference lines: the customer quotes them when answering. */
  references: string[];
  salutation: string;
  blocks: Block[];
  /** A summary of the figures, label → value. */
  facts: Array<[string, string]>;
  closing: string;
}

export type Block = { kind: "p"; text: string } | { kind: "list"; items: string[] };

export interface MessageMeta {
  /** The outbox id (MSG-…). */
  id: string;
  /** When the message was decided: the date written on it. */
  createdAt: Date;
  identity: SenderIdentity;
  /** How it travels: the words differ slightly ("ce message", "cette lettre"). */
  channel: "EMAIL" | "LETTER";
  timeZone?: string;
}

export const SALUTATION = "Madame, Monsieur,";
export const CLOSING_LETTER =
  "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées.";

export const p = (text: string): Block => ({ kind: "p", text });

/** R7, R19: the accepted entry proofs, as a list the customer reads. */
export const ENTRY_PROOF_ITEMS = [
  "l'acte de vente ;",
  "l'attestation notariée d'acquisition ;",
  "l'état des lieux d'entrée.",
];

/** "compteur n° A12345" or nothing when the meter is unknown. */
const meterPhrase = (serial: string | null) => (serial ? `, compteur n° ${serial}` : "");

/** "le logement situé … (point de desserte …, compteur n° …)". */
export function premises(x: BaseFacts): string {
  return `le logement situé ${x.servicePoint.address} (point de desserte ${x.servicePoint.id}${meterPhrase(x.meterSerial)})`;
}

/** The first lines of every summary: address, service point, meter. */
export function commonFacts(x: BaseFacts): Array<[string, string]> {
  const f: Array<[string, string]> = [
    ["Adresse desservie", x.servicePoint.address],
    ["Point de desserte", x.servicePoint.id],
  ];
  if (x.meterSerial) f.push(["Compteur n°", x.meterSerial]);
  return f;
}

/** The reference lines: the case, an extra one, the service point. */
export function references(x: BaseFacts, extra?: string): string[] {
  const r: string[] = [];
  if (x.caseId) r.push(`Dossier : ${x.caseId}`);
  if (extra) r.push(extra);
  r.push(`Point de desserte : ${x.servicePoint.id}`);
  return r;
}

/** What happens without a proof: the predecessor's termination, or with none known (no index), the visit's reading. */
export function withoutProof(t: { date: string; index: number | null }): string {
  return t.index === null
    ? "votre abonnement sera mis en place avec l'index relevé lors de la remise en eau."
    : `votre abonnement sera mis en place avec l'index et la date de résiliation de l'ancien occupant : ${m3(t.index)} au ${longDate(t.date)}.`;
}
