/**
 * The reports' codes in the supervisors' words, for the CSV exports and for the console, which imports them
 * from here (web/src/format.ts): this file imports nothing, so the console's bundle takes only these tables.
 */

export const CASE_TYPE_FR: Readonly<Record<string, string>> = {
  ARR_SPECIAL: "ARR Cas Particuliers",
  ARR_INTERVENTION: "ARR avec intervention",
  INT_EUROS: "INT vers EUROS",
};

export const CASE_STATUS_FR: Readonly<Record<string, string>> = { OPEN: "Ouvert", CLOSED: "Clôturé" };

export const START_SOURCE_FR: Readonly<Record<string, string>> = {
  DECLARED: "Index déclaré",
  PROOF: "Justificatif (date et index)",
  PROOF_DATE_PREDECESSOR_INDEX: "Date du justificatif, index de résiliation du prédécesseur",
  PROOF_DATE_REMOTE_INDEX: "Date du justificatif, index de télérelève",
  PREDECESSOR: "Date et index de résiliation du prédécesseur",
  PRESCRIPTION: "Prescription",
  INTERVENTION: "Relevé de l'intervention",
  MUTATION: "Changement d'occupant",
  REGULARIZED: "Régularisé par le service des Euros",
};

/** A code's label, or the code itself when it has none yet. */
export const fr = (table: Readonly<Record<string, string>>, code: string): string => table[code] ?? code;
