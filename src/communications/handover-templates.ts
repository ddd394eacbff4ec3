/**
 * Two messages of SPEC §5, in French: the proof reminder (R18) and the confirmation of a mutation
 * (R17). Pure, as templates.ts, which dispatches to them.
 */
import { z } from "zod";
import { daysBetween } from "../platform/dates.js";
import { calendarDate, longDate, m3 } from "./french.js";
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

/** R18: the facts of a proof request, with the day it was asked for. */
export const PROOF_REMINDER_PAYLOAD = base.extend({
  termination: requestedTermination,
  declared: z.object({ date: isoDay, index: z.number().int().nullable() }),
  /** The gap the proof must explain; null when it is not known yet (no index declared, no visit). */
  gap: z.number().int().nullable().optional(),
  askedOn: isoDay,
  dueDate: isoDay,
});

/** R17: the newcomer's subscription, started at the handover's date and index. */
export const CONFIRMATION_MUTATION_PAYLOAD = base.extend({
  subscription: z.object({ id: z.string(), start: dated }),
});

/** The sentence that recalls the gap, only when one is known (R6: a letter never claims an unknown gap). */
function gapReminder(x: z.infer<typeof PROOF_REMINDER_PAYLOAD>): Block[] {
  const t = x.termination;
  if (x.gap === null || x.gap === undefined || t.index === null) return [];
  const way = x.gap >= 0 ? "supérieur" : "inférieur";
  const declared =
    x.declared.index !== null
      ? `l'index que vous nous avez déclaré, ${m3(x.declared.index)} au ${longDate(x.declared.date)}, est`
      : "l'index relevé est";
  return [
    p(
      `Pour mémoire, ${declared} ${way} de ${m3(Math.abs(x.gap))} à l'index de résiliation de l'ancien occupant, ` +
        `${m3(t.index)} au ${longDate(t.date)} : cet écart dépasse la tolérance admise.`,
    ),
  ];
}

/** R18: PROOF_REMINDER, sent once a few days before the proof's deadline. */
export function proofReminder(x: z.infer<typeof PROOF_REMINDER_PAYLOAD>, meta: MessageMeta): Composed {
  const t = x.termination;
  const sent = calendarDate(meta.createdAt, meta.timeZone);
  const days = daysBetween(sent, x.dueDate);
  const left =
    days > 1
      ? `Il vous reste ${days} jours : nous vous remercions de nous adresser, au plus tard le ${longDate(x.dueDate)},`
      : `Nous vous remercions de nous adresser, au plus tard le ${longDate(x.dueDate)},`;
  const blocks: Block[] = [
    p(
      `Le ${longDate(x.askedOn)}, nous vous avons demandé un justificatif d'entrée dans les lieux afin de mettre en place ` +
        `votre abonnement au service de l'eau pour ${premises(x)}, à compter du ${longDate(x.declared.date)}. ` +
        "À ce jour, nous ne l'avons pas reçu.",
    ),
    ...gapReminder(x),
    p(
      `${left} l'un des justificatifs suivants, sur lequel figurent la date d'entrée dans les lieux et l'index du compteur :`,
    ),
    { kind: "list", items: ENTRY_PROOF_ITEMS },
    p(`Sans justificatif reçu au plus tard le ${longDate(x.dueDate)}, ${withoutProof(t)}`),
    p(
      `Vous pouvez nous transmettre ce document ${meta.channel === "LETTER" ? "par courrier à l'adresse figurant en haut de cette lettre" : "en réponse à ce message"} ` +
        `ou le déposer à notre accueil, en rappelant la référence ${x.caseId ?? x.servicePoint.id}.`,
    ),
    p(
      "Si vous nous avez adressé ce document entre-temps, nous vous remercions de ne pas tenir compte de ce rappel.",
    ),
  ];
  const facts = commonFacts(x);
  facts.push(["Justificatif demandé le", longDate(x.askedOn)]);
  if (t.index !== null)
    facts.push(["Index de résiliation de l'ancien occupant", `${m3(t.index)} au ${longDate(t.date)}`]);
  if (x.declared.index !== null)
    facts.push(["Index déclaré", `${m3(x.declared.index)} au ${longDate(x.declared.date)}`]);
  else facts.push(["Date d'entrée déclarée", longDate(x.declared.date)]);
  facts.push(["Date limite de réception du justificatif", longDate(x.dueDate)]);
  return {
    subject: `Rappel : justificatif d'entrée à nous transmettre avant le ${longDate(x.dueDate)} (${x.servicePoint.address})`,
    references: references(x),
    salutation: SALUTATION,
    blocks,
    facts,
    closing: CLOSING_LETTER,
  };
}

/** R17: CONFIRMATION_MUTATION, to the newcomer subscribed at the handover's date and index. */
export function confirmationMutation(x: z.infer<typeof CONFIRMATION_MUTATION_PAYLOAD>): Composed {
  const { id, start: s } = x.subscription;
  const blocks: Block[] = [
    p(
      `Nous vous confirmons la mise en place de votre abonnement au service de l'eau pour ${premises(x)}, ` +
        "à la suite du changement d'occupant du logement.",
    ),
    p(
      `L'index du compteur a été relevé le ${longDate(s.date)}, lors de votre entrée dans les lieux en présence de l'occupant précédent : ` +
        `${m3(s.index)}. Votre abonnement n° ${id} prend effet à cette date, avec cet index.`,
    ),
    p(
      `Votre consommation vous sera facturée à partir de l'index ${m3(s.index)} ; la consommation antérieure reste à la charge de l'occupant précédent.`,
    ),
    p(
      "Si cette date ou cet index ne correspondent pas à votre entrée dans les lieux, nous vous remercions de nous le signaler " +
        `dans les meilleurs délais, en rappelant la référence ${id}.`,
    ),
  ];
  const facts = commonFacts(x);
  facts.push(["Abonnement", id], ["Début de l'abonnement", `${longDate(s.date)}, index ${m3(s.index)}`]);
  return {
    subject: `Changement d'occupant : votre abonnement au ${x.servicePoint.address}`,
    references: references(x, `Abonnement : ${id}`),
    salutation: SALUTATION,
    blocks,
    facts,
    closing: CLOSING_LETTER,
  };
}
