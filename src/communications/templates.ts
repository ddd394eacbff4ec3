/**
 * The messages of SPEC §5, in French (R17's and R18's in handover-templates.ts). Pure: a payload (the facts `enqueue` stored) and
 * the message's metadata in, the words out. `composeMessage` decides the content once;
 * `renderEmail` and `renderLetter` only lay it out for an email or a letter.
 */
import { z } from "zod";
import { daysBetween } from "../platform/dates.js";
import type { Template } from "../platform/schema.js";
import { calendarDate, escapeHtml, longDate, m3, prescriptionName, yearsInWords } from "./french.js";
import {
  CONFIRMATION_MUTATION_PAYLOAD,
  confirmationMutation,
  PROOF_REMINDER_PAYLOAD,
  proofReminder,
} from "./handover-templates.js";
import type { SenderIdentity } from "./identity.js";
import {
  type Block,
  base,
  CLOSING_LETTER,
  type Composed,
  commonFacts,
  dated,
  ENTRY_PROOF_ITEMS,
  isoDay,
  type MessageMeta,
  p,
  premises,
  references,
  requestedTermination,
  SALUTATION,
  withoutProof,
} from "./message-parts.js";

export type { Block, Composed, MessageMeta } from "./message-parts.js";

export const PAYLOADS = {
  PROOF_REQUEST: base.extend({
    termination: requestedTermination,
    declared: z.object({ date: isoDay, index: z.number().int().nullable() }),
    gap: z.number().int().nullable().optional(),
    /** R6: the reconnection visit's reading, when the gap was found by the visit. */
    visit: dated.nullable().optional(),
    dueDate: isoDay,
  }),
  CONFIRMATION_PREDECESSOR_INDEX: base.extend({
    termination: dated,
    declared: z.object({ date: isoDay, index: z.number().int().nullable() }),
    start: dated,
  }),
  CONFIRMATION_PROOF: base.extend({
    proof: z.object({
      kind: z.string(),
      label: z.string(),
      date: isoDay,
      index: z.number().int().nullable(),
    }),
    start: dated.extend({ source: z.string() }),
    termination: dated,
    prescription: z.boolean().optional(),
    /** The prescription's length in force when the start was prescribed (2 when a message predates it). */
    prescriptionYears: z.number().int().positive().optional(),
  }),
  CONFIRMATION_DECLARED_INDEX: base.extend({
    /** The predecessor's termination as corrected (R16), and the figure it replaced. */
    termination: dated.extend({ previousIndex: z.number().int().nullable() }),
    declared: z.object({ date: isoDay, index: z.number().int().nullable() }),
    /** The reconnection visit's reading, when the start is the visit's index (source INTERVENTION). */
    visit: dated.nullable(),
    start: dated.extend({ source: z.enum(["DECLARED", "INTERVENTION"]) }),
    gap: z.number().int(),
    /** Whether the customer had been asked for a proof (then told it is not needed any more). */
    proofRequested: z.boolean(),
  }),
  CONTEST_ANSWER: base.extend({
    contest: z.object({ id: z.string(), reason: z.string(), createdAt: z.union([z.string(), z.date()]) }),
    answer: z.string(),
    subscription: z.object({ id: z.string(), start: dated }),
    regularization: z.boolean(),
  }),
  PROOF_REMINDER: PROOF_REMINDER_PAYLOAD,
  CONFIRMATION_MUTATION: CONFIRMATION_MUTATION_PAYLOAD,
} as const;

/** Every template, in SPEC §5's order (the API's filter and the console's labels list them). */
export const TEMPLATES = [
  "PROOF_REQUEST",
  "CONFIRMATION_PREDECESSOR_INDEX",
  "CONFIRMATION_PROOF",
  "CONTEST_ANSWER",
  "CONFIRMATION_DECLARED_INDEX",
  "PROOF_REMINDER",
  "CONFIRMATION_MUTATION",
] as const satisfies readonly (keyof typeof PAYLOADS)[];

export type Payload<T extends Template> = z.infer<(typeof PAYLOADS)[T]>;

function proofRequest(x: Payload<"PROOF_REQUEST">, meta: MessageMeta): Composed {
  const t = x.termination;
  const sent = calendarDate(meta.createdAt, meta.timeZone);
  const days = daysBetween(sent, x.dueDate);
  const blocks: Block[] = [
    p(
      `Vous nous avez demandé la mise en place d'un abonnement au service de l'eau pour ${premises(x)}, à compter du ${longDate(x.declared.date)}.`,
    ),
  ];
  const measured = x.declared.index !== null ? { ...x.declared, index: x.declared.index } : (x.visit ?? null);
  if (measured && t.index !== null) {
    const gap = x.gap ?? measured.index - t.index;
    const way = gap >= 0 ? "supérieur" : "inférieur";
    const whose =
      x.declared.index !== null
        ? "L'index que vous nous avez déclaré"
        : "L'index relevé par notre technicien lors de la remise en eau";
    blocks.push(
      p(
        `${whose}, ${m3(measured.index)} au ${longDate(measured.date)}, est ${way} de ${m3(Math.abs(gap))} ` +
          `à l'index de résiliation de l'ancien occupant, ${m3(t.index)} au ${longDate(t.date)}. ` +
          "Cet écart de consommation dépasse la tolérance admise : nous ne pouvons pas mettre en place votre abonnement sans justificatif.",
      ),
    );
  } else {
    // R6: no index known yet (no declared index, no visit): the request claims no gap.
    blocks.push(
      p(
        "Votre abonnement ne peut être mis en place qu'avec la date et l'index de votre entrée dans les lieux, que nous ne connaissons pas encore.",
      ),
    );
  }
  blocks.push(
    p(
      `Afin d'établir la date et l'index de votre entrée dans les lieux, nous vous remercions de nous adresser, au plus tard le ${longDate(x.dueDate)}, ` +
        "l'un des justificatifs suivants, sur lequel figurent la date d'entrée dans les lieux et l'index du compteur :",
    ),
    { kind: "list", items: ENTRY_PROOF_ITEMS },
    p(
      "Une photographie du compteur, montrant l'index du jour et le numéro du compteur, peut utilement compléter ce justificatif, mais ne peut le remplacer.",
    ),
    p(
      `Sans justificatif reçu ${days > 0 ? `dans un délai de ${days} jours, soit ` : ""}au plus tard le ${longDate(x.dueDate)}, ` +
        withoutProof(t),
    ),
    p(
      `Vous pouvez nous transmettre ce document ${meta.channel === "LETTER" ? "par courrier à l'adresse figurant en haut de cette lettre" : "en réponse à ce message"}, ` +
        `en rappelant la référence ${x.caseId ?? x.servicePoint.id}.`,
    ),
  );
  const facts = commonFacts(x);
  if (t.index !== null)
    facts.push(["Index de résiliation de l'ancien occupant", `${m3(t.index)} au ${longDate(t.date)}`]);
  if (x.declared.index !== null)
    facts.push(["Index déclaré", `${m3(x.declared.index)} au ${longDate(x.declared.date)}`]);
  else facts.push(["Date d'entrée déclarée", longDate(x.declared.date)]);
  if (x.declared.index === null && x.visit)
    facts.push(["Index relevé à la remise en eau", `${m3(x.visit.index)} au ${longDate(x.visit.date)}`]);
  facts.push(["Date limite de réception du justificatif", longDate(x.dueDate)]);
  return {
    subject: `Votre arrivée au ${x.servicePoint.address} : justificatif à nous transmettre avant le ${longDate(x.dueDate)}`,
    references: references(x),
    salutation: SALUTATION,
    blocks,
    facts,
    closing: CLOSING_LETTER,
  };
}

function confirmationPredecessorIndex(x: Payload<"CONFIRMATION_PREDECESSOR_INDEX">): Composed {
  const s = x.start;
  const blocks: Block[] = [
    p(`Nous vous confirmons la mise en place de votre abonnement au service de l'eau pour ${premises(x)}.`),
    p(
      "En l'absence de justificatif d'entrée dans les lieux (acte de vente ou état des lieux d'entrée), votre abonnement a été mis en place " +
        `avec l'index et la date de résiliation de l'ancien occupant : il prend effet le ${longDate(s.date)}, avec l'index ${m3(s.index)}.`,
    ),
    p(
      x.declared.index !== null
        ? `Pour mémoire, vous nous aviez déclaré l'index ${m3(x.declared.index)} au ${longDate(x.declared.date)}.`
        : `Pour mémoire, vous nous aviez déclaré être entré dans les lieux le ${longDate(x.declared.date)}.`,
    ),
    p(`Votre consommation vous sera facturée à partir de l'index ${m3(s.index)}.`),
    p(
      "Si vous retrouvez un justificatif, vous pouvez encore nous l'adresser" +
        `${x.caseId ? ` en rappelant la référence ${x.caseId}` : ""} : il sera examiné en vue d'une éventuelle régularisation.`,
    ),
  ];
  const facts = commonFacts(x);
  facts.push([
    "Index de résiliation de l'ancien occupant",
    `${m3(x.termination.index)} au ${longDate(x.termination.date)}`,
  ]);
  if (x.declared.index !== null)
    facts.push(["Index déclaré", `${m3(x.declared.index)} au ${longDate(x.declared.date)}`]);
  facts.push(["Début de l'abonnement", `${longDate(s.date)}, index ${m3(s.index)}`]);
  return {
    subject: `Mise en place de votre abonnement au ${x.servicePoint.address}`,
    references: references(x),
    salutation: SALUTATION,
    blocks,
    facts,
    closing: CLOSING_LETTER,
  };
}

function startSentence(x: Payload<"CONFIRMATION_PROOF">): string {
  const s = x.start;
  switch (s.source) {
    case "PROOF_DATE_PREDECESSOR_INDEX":
      return (
        `Ce document ne mentionnant pas d'index, votre abonnement prend effet à la date qu'il indique, le ${longDate(s.date)}, ` +
        `avec l'index de résiliation de l'ancien occupant, ${m3(s.index)}.`
      );
    case "PROOF_DATE_REMOTE_INDEX":
      return (
        `Ce document ne mentionnant pas d'index, votre abonnement prend effet à la date qu'il indique, le ${longDate(s.date)}, ` +
        `avec l'index transmis à cette date par la télérelève de votre compteur, ${m3(s.index)}.`
      );
    case "PRESCRIPTION": {
      const years = x.prescriptionYears ?? 2;
      const rule = `la ${prescriptionName(years)} que vous avez invoquée${years === 2 ? " (article L218-2 du Code de la consommation)" : ""}`;
      return (
        `Conformément à ${rule}, ` +
        `votre abonnement prend effet le ${longDate(s.date)}, ${yearsInWords(years)} avant le traitement de votre justificatif, avec l'index ${m3(s.index)} établi à cette date.`
      );
    }
    default:
      return `Votre abonnement est mis en place à la date et à l'index figurant sur ce document : il prend effet le ${longDate(s.date)}, avec l'index ${m3(s.index)}.`;
  }
}

function confirmationProof(x: Payload<"CONFIRMATION_PROOF">): Composed {
  const { proof, start: s, termination: t } = x;
  const blocks: Block[] = [
    p(
      `Nous avons bien reçu votre justificatif d'entrée dans les lieux (${proof.label} du ${longDate(proof.date)}` +
        `${proof.index !== null ? `, index ${m3(proof.index)}` : ""}) pour ${premises(x)}, et nous vous en remercions.`,
    ),
    p(startSentence(x)),
  ];
  if (s.index > t.index) {
    blocks.push(
      p(
        `La consommation enregistrée entre la résiliation de l'ancien occupant (${m3(t.index)} au ${longDate(t.date)}) ` +
          "et le début de votre abonnement ne vous sera pas facturée.",
      ),
    );
  }
  blocks.push(p(`Votre consommation vous sera facturée à partir de l'index ${m3(s.index)}.`));
  const facts = commonFacts(x);
  facts.push(
    [
      "Justificatif",
      `${proof.label} du ${longDate(proof.date)}${proof.index !== null ? `, index ${m3(proof.index)}` : ""}`,
    ],
    ["Index de résiliation de l'ancien occupant", `${m3(t.index)} au ${longDate(t.date)}`],
    ["Début de l'abonnement", `${longDate(s.date)}, index ${m3(s.index)}`],
  );
  return {
    subject: `Justificatif reçu : mise en place de votre abonnement au ${x.servicePoint.address}`,
    references: references(x),
    salutation: SALUTATION,
    blocks,
    facts,
    closing: CLOSING_LETTER,
  };
}

/** R16: the termination index was corrected; the newcomer's index is now within tolerance, no proof needed. */
function confirmationDeclaredIndex(x: Payload<"CONFIRMATION_DECLARED_INDEX">): Composed {
  const { termination: t, start: s } = x;
  const corrected =
    t.previousIndex !== null && t.previousIndex !== t.index
      ? `Après vérification, l'index de résiliation de l'ancien occupant a été corrigé : il est de ${m3(t.index)} au ${longDate(t.date)}, et non de ${m3(t.previousIndex)} comme enregistré initialement.`
      : `Après vérification, l'index de résiliation de l'ancien occupant est de ${m3(t.index)} au ${longDate(t.date)}.`;
  const measured =
    s.source === "INTERVENTION" && x.visit
      ? `L'index relevé par notre technicien lors de la remise en eau, ${m3(x.visit.index)} le ${longDate(x.visit.date)}`
      : `L'index que vous nous avez déclaré, ${m3(s.index)} au ${longDate(x.declared.date)}`;
  const blocks: Block[] = [
    p(`Nous vous confirmons la mise en place de votre abonnement au service de l'eau pour ${premises(x)}.`),
    p(corrected),
    p(
      `${measured}, ${x.gap === 0 ? "lui est égal" : `s'en écarte de ${m3(Math.abs(x.gap))} seulement`}, dans la tolérance admise : ` +
        `votre abonnement prend effet le ${longDate(s.date)}, avec l'index ${m3(s.index)}.`,
    ),
  ];
  if (x.proofRequested)
    blocks.push(
      p(
        "Le justificatif d'entrée dans les lieux que nous vous avions demandé n'est plus nécessaire : vous n'avez rien à nous adresser.",
      ),
    );
  blocks.push(p(`Votre consommation vous sera facturée à partir de l'index ${m3(s.index)}.`));
  const facts = commonFacts(x);
  facts.push(["Index de résiliation de l'ancien occupant", `${m3(t.index)} au ${longDate(t.date)}`]);
  if (t.previousIndex !== null && t.previousIndex !== t.index)
    facts.push(["Index de résiliation enregistré initialement", m3(t.previousIndex)]);
  if (x.declared.index !== null)
    facts.push(["Index déclaré", `${m3(x.declared.index)} au ${longDate(x.declared.date)}`]);
  if (x.visit)
    facts.push(["Index relevé à la remise en eau", `${m3(x.visit.index)} au ${longDate(x.visit.date)}`]);
  facts.push(["Début de l'abonnement", `${longDate(s.date)}, index ${m3(s.index)}`]);
  return {
    subject: `Mise en place de votre abonnement au ${x.servicePoint.address} : aucun justificatif n'est plus nécessaire`,
    references: references(x),
    salutation: SALUTATION,
    blocks,
    facts,
    closing: CLOSING_LETTER,
  };
}

function contestAnswer(x: Payload<"CONTEST_ANSWER">, meta: MessageMeta): Composed {
  const s = x.subscription.start;
  const contested = calendarDate(x.contest.createdAt, meta.timeZone);
  const blocks: Block[] = [
    p(
      `Le ${longDate(contested)}, vous avez contesté votre abonnement ${x.subscription.id} au service de l'eau pour ${premises(x)}, ` +
        `qui a pris effet le ${longDate(s.date)} avec l'index ${m3(s.index)}.`,
    ),
    p(`Vous nous indiquiez : « ${x.contest.reason.trim()} »`),
    p("Après examen de votre dossier, voici notre réponse :"),
    ...x.answer
      .split(/\n\s*\n/)
      .map((t) => t.trim())
      .filter(Boolean)
      .map(p),
    p(
      x.regularization
        ? "Une régularisation de votre abonnement est nécessaire : votre dossier est transmis au service chargé des régularisations, qui reviendra vers vous."
        : `Votre abonnement est maintenu dans ses conditions actuelles. Si vous contestez toujours cette décision, vous pouvez nous en faire part en rappelant la référence ${x.contest.id} : votre demande sera alors transmise au service chargé des régularisations.`,
    ),
  ];
  const facts = commonFacts(x);
  facts.push(
    ["Abonnement", x.subscription.id],
    ["Début de l'abonnement", `${longDate(s.date)}, index ${m3(s.index)}`],
  );
  return {
    subject: `Réponse à votre contestation de l'abonnement ${x.subscription.id}`,
    references: references(x, `Contestation : ${x.contest.id}`),
    salutation: SALUTATION,
    blocks,
    facts,
    closing: CLOSING_LETTER,
  };
}

/** Checks a stored payload against its template; throws with the missing facts named. */
export function parsePayload<T extends Template>(template: T, payload: unknown): Payload<T> {
  const r = PAYLOADS[template].safeParse(payload);
  if (!r.success) {
    const where = r.error.issues.map((i) => i.path.join(".") || "(root)").join(", ");
    throw new Error(`payload of ${template} is missing or has wrong facts: ${where}`);
  }
  return r.data as Payload<T>;
}

/** What the message says (subject, paragraphs, figures), for one of SPEC §5's templates. */
export function composeMessage(template: Template, payload: unknown, meta: MessageMeta): Composed {
  switch (template) {
    case "PROOF_REQUEST":
      return proofRequest(parsePayload("PROOF_REQUEST", payload), meta);
    case "CONFIRMATION_PREDECESSOR_INDEX":
      return confirmationPredecessorIndex(parsePayload("CONFIRMATION_PREDECESSOR_INDEX", payload));
    case "CONFIRMATION_PROOF":
      return confirmationProof(parsePayload("CONFIRMATION_PROOF", payload));
    case "CONTEST_ANSWER":
      return contestAnswer(parsePayload("CONTEST_ANSWER", payload), meta);
    case "CONFIRMATION_DECLARED_INDEX":
      return confirmationDeclaredIndex(parsePayload("CONFIRMATION_DECLARED_INDEX", payload));
    case "PROOF_REMINDER":
      return proofReminder(parsePayload("PROOF_REMINDER", payload), meta);
    case "CONFIRMATION_MUTATION":
      return confirmationMutation(parsePayload("CONFIRMATION_MUTATION", payload));
  }
}

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

function signatureLines(id: SenderIdentity): string[] {
  return [id.department, id.name];
}

/** The email: subject, a plain-text part and an HTML part saying the same thing. */
export function renderEmail(template: Template, payload: unknown, meta: MessageMeta): EmailContent {
  const c = composeMessage(template, payload, meta);
  const id = meta.identity;
  const text: string[] = [c.references.join(" – "), "", c.salutation, ""];
  for (const b of c.blocks) {
    if (b.kind === "p") text.push(b.text, "");
    else text.push(...b.items.map((i) => `  - ${i}`), "");
  }
  text.push("Récapitulatif :", ...c.facts.map(([k, v]) => `  - ${k} : ${v}`), "");
  text.push(c.closing, "", ...signatureLines(id), `Tél. ${id.phone}`, ...id.addressLines, "");
  const e = escapeHtml;
  const html = [
    "<!DOCTYPE html>",
    '<html lang="fr"><head><meta charset="utf-8"><title>',
    e(c.subject),
    "</title></head>",
    '<body style="font-family: Arial, Helvetica, sans-serif; font-size: 14px; color: #1a1a1a; line-height: 1.45;">',
    `<p style="color: #555;">${c.references.map(e).join(" &ndash; ")}</p>`,
    `<p>${e(c.salutation)}</p>`,
    ...c.blocks.map((b) =>
      b.kind === "p" ? `<p>${e(b.text)}</p>` : `<ul>${b.items.map((i) => `<li>${e(i)}</li>`).join("")}</ul>`,
    ),
    '<table style="border-collapse: collapse; margin: 12px 0;" cellpadding="4">',
    '<caption style="text-align: left; font-weight: bold;">Récapitulatif</caption>',
    ...c.facts.map(
      ([k, v]) =>
        `<tr><th style="text-align: left; font-weight: normal; color: #555;">${e(k)}</th><td>${e(v)}</td></tr>`,
    ),
    "</table>",
    `<p>${e(c.closing)}</p>`,
    `<p>${signatureLines(id).map(e).join("<br>")}<br>Tél. ${e(id.phone)}<br>${id.addressLines.map(e).join("<br>")}</p>`,
    "</body></html>",
  ].join("\n");
  return { subject: c.subject, text: text.join("\n"), html };
}

/** A letter, as blocks for the page: what goes where is decided by the PDF layout. */
export interface LetterBlocks {
  letterhead: string[];
  /** The recipient's name and postal address, as they show in the envelope's window. */
  recipient: string[];
  placeAndDate: string;
  references: string[];
  subject: string;
  salutation: string;
  blocks: Block[];
  facts: Array<[string, string]>;
  closing: string;
  signature: string[];
}

/**
 * Postal address lines from a one-line address: "12 rue des Lilas, 69003 Lyon" →
 * ["12 rue des Lilas", "69003 LYON"] (the locality line in capitals, as La Poste asks).
 */
export function postalLines(address: string): string[] {
  const lines = address
    .split(/\s*[,\n]\s*/)
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.map((l, i) => (i === lines.length - 1 && /^\d{5}\s/.test(l) ? l.toUpperCase() : l));
}

/** The letter: letterhead, window-envelope address, place and date, references, subject, body, signature. */
export function renderLetter(
  template: Template,
  payload: unknown,
  meta: MessageMeta & { toAddress: string; recipientName: string },
): LetterBlocks {
  const c = composeMessage(template, payload, meta);
  const id = meta.identity;
  return {
    letterhead: [id.name, id.department, ...id.addressLines, `Tél. ${id.phone}`],
    recipient: [meta.recipientName, ...postalLines(meta.toAddress)],
    placeAndDate: `${id.place}, le ${longDate(calendarDate(meta.createdAt, meta.timeZone))}`,
    references: [...c.references, `Courrier : ${meta.id}`],
    subject: `Objet : ${c.subject}`,
    salutation: c.salutation,
    blocks: c.blocks,
    facts: c.facts,
    closing: c.closing,
    signature: signatureLines(id),
  };
}
