/** French display of dates, numbers and the domain's codes. */
import { CASE_STATUS_FR, CASE_TYPE_FR, START_SOURCE_FR } from "../../src/reports/labels.ts";

/** 2024-03-02 → 02/03/2024; anything else is shown as given. */
export function frDate(d: string | null | undefined): string {
  if (!d) return "—";
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(d);
  if (!m) return d;
  if (d.length > 10 && d.includes("T")) {
    const t = new Date(d);
    if (!Number.isNaN(t.getTime())) {
      return t.toLocaleString("fr-FR", { timeZone: "Europe/Paris", dateStyle: "short", timeStyle: "short" });
    }
  }
  return `${m[3]}/${m[2]}/${m[1]}`;
}

/** The Paris calendar day of an instant (ISO timestamp) or a YYYY-MM-DD: 02/03/2024. */
export function frDay(d: string | null | undefined): string {
  if (!d) return "—";
  if (d.length <= 10) return frDate(d);
  const t = new Date(d);
  return Number.isNaN(t.getTime())
    ? d
    : t.toLocaleDateString("fr-FR", {
        timeZone: "Europe/Paris",
        day: "2-digit",
        month: "2-digit",
        year: "numeric",
      });
}

const nf = new Intl.NumberFormat("fr-FR");
export const frNum = (n: number | null | undefined): string =>
  n === null || n === undefined ? "—" : nf.format(n);
export const m3 = (n: number | null | undefined): string =>
  n === null || n === undefined ? "—" : `${nf.format(n)} m3`;
const nf1 = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1 });
/** A size in bytes as a person reads it: 2097152 → "2 Mo", 1572864 → "1,5 Mo". */
export const megabytes = (bytes: number): string => `${nf1.format(bytes / (1024 * 1024))} Mo`;
export const signedM3 = (n: number): string =>
  `${n > 0 ? "+" : n < 0 ? "−" : ""}${nf.format(Math.abs(n))} m3`;

/**
 * A sentence the rules wrote (a case comment) with its figures of 1 000 m3 and more shown thousands apart, as
 * the console shows every index; only the display changes, never the stored text.
 */
export const withGroupedM3 = (text: string): string =>
  text.replace(/(?<![\d/.,])\d{4,}(?= m3\b)/g, (d) => nf.format(Number(d)));

/** Whole days from a to b (YYYY-MM-DD). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** Today in Europe/Paris, YYYY-MM-DD. */
export function todayParis(): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone: "Europe/Paris",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date());
}

export const ROLE_LABEL: Record<string, string> = {
  FO: "Front office",
  BO: "Back office",
  EUROS: "Service des Euros",
  SUPERVISOR: "Superviseur",
  ADMIN: "Administrateur",
  INTEGRATION: "Système de facturation (API)",
};

export const READING_TYPE: Record<string, string> = {
  NORMAL: "Normal (agent)",
  CUSTOMER: "Relevé client",
  ESTIMATE: "Estimation système",
  REMOTE: "Télérelève",
  MOVE_OUT: "Résiliation",
  MOVE_IN: "Arrivée",
  INTERVENTION: "Intervention",
};

export const READING_STATUS: Record<string, string> = {
  VALID: "Valide",
  SUSPECT: "Suspect",
  REPLACED: "Remplacé",
};

/** The case types', case statuses' and start sources' labels: the CSV exports' own (said once, there). */
export const CASE_TYPE = CASE_TYPE_FR;
export const CASE_STATUS = CASE_STATUS_FR;
export const START_SOURCE = START_SOURCE_FR;
export const TASK_KIND: Record<string, string> = {
  AWAIT_PROOF: "Attente justificatif",
  SUBSCRIBE_AT_PREDECESSOR: "Abonner à l'index du prédécesseur",
  CHECK_TERMINATION: "Vérifier l'index de résiliation",
};

/** What an open case waits for (GET /api/cases `waiting.what`): its task, or else the visit, EUROS, the back office. */
export const WAITING_FOR: Record<string, string> = {
  AWAIT_PROOF: "Justificatif du client",
  SUBSCRIBE_AT_PREDECESSOR: "Abonnement à l'index du prédécesseur",
  CHECK_TERMINATION: "Vérification de l'index de résiliation",
  RECONNECTION_VISIT: "Compte rendu de la remise en eau",
  REGULARIZATION: "Régularisation par le service des Euros",
  BACK_OFFICE: "Action du back office",
};

/** The team an open case waits on. */
export const TEAM: Record<string, string> = { BO: "Back office", EUROS: "Service des Euros" };
export const TASK_STATUS: Record<string, string> = { OPEN: "Ouverte", DONE: "Traitée", EXPIRED: "Échue" };

/** Why an INT_EUROS case was opened (R9, R11, R12, R16). */
export const REGULARIZATION_MOTIVE: Record<string, string> = {
  LATE_PROOF: "Justificatif reçu après l'abonnement",
  CONTEST: "Contestation",
  CONTEST_WITH_PROOF: "Contestation avec justificatif",
  PREDECESSOR_OVERBILLED: "Ancien occupant facturé en trop (index du justificatif inférieur)",
  TERMINATION_CORRECTED: "Index de résiliation corrigé",
};

export const PROOF_KIND: Record<string, string> = {
  SALE_DEED: "Acte de vente",
  NOTARY_CERTIFICATE: "Attestation notariée",
  ENTRY_INVENTORY: "État des lieux d'entrée",
  METER_PHOTO: "Photo du compteur (complément)",
};
export const PROOF_STATUS: Record<string, string> = {
  ACCEPTED: "Accepté",
  REFUSED: "Refusé",
  COMPLEMENT: "Complément",
  LATE: "Tardif (régularisation)",
};

export const TEMPLATE: Record<string, string> = {
  PROOF_REQUEST: "Demande de justificatif",
  CONFIRMATION_PREDECESSOR_INDEX: "Confirmation — index du prédécesseur",
  CONFIRMATION_PROOF: "Confirmation — justificatif",
  CONTEST_ANSWER: "Réponse à contestation",
  CONFIRMATION_DECLARED_INDEX: "Confirmation — index déclaré",
  PROOF_REMINDER: "Rappel — justificatif",
  CONFIRMATION_MUTATION: "Confirmation — changement d'occupant",
};
export const CHANNEL: Record<string, string> = { EMAIL: "Courriel", LETTER: "Courrier" };
export const MSG_STATUS: Record<string, string> = {
  PENDING: "En attente",
  SENDING: "En cours d'envoi",
  SENT: "Envoyé",
  FAILED: "Échec",
};
export const CONTEST_STATUS: Record<string, string> = {
  OPEN: "Ouverte",
  ANSWERED: "Répondue",
  ESCALATED: "Transmise aux Euros",
};

export const OUTCOME: Record<string, string> = {
  SUBSCRIBED: "Abonnement mis en place",
  CASE_OPENED: "Dossier ouvert",
  TERMINATED: "Résiliation enregistrée",
  PROOF_ACCEPTED: "Justificatif enregistré (complément)",
  PROOF_REFUSED: "Justificatif refusé",
  REGULARIZATION_OPENED: "Dossier INT vers EUROS ouvert",
  PROOF_REQUESTED: "Justificatif demandé",
  READING_RECORDED: "Relevé enregistré",
  READING_CORRECTED: "Relevé corrigé",
  READING_CONFIRMED: "Relevé confirmé",
  CONTEST_RECORDED: "Contestation enregistrée",
  CONTEST_ANSWERED: "Réponse envoyée",
  CASE_CLOSED: "Dossier clôturé",
  REGULARIZATION_CLOSED: "Régularisation effectuée, dossier clôturé",
  DOCUMENT_ATTACHED: "Document joint au dossier",
  PROOF_REMINDED: "Relance envoyée",
};

export const label = (table: Record<string, string>, code: string | null | undefined): string =>
  code ? (table[code] ?? code) : "—";
