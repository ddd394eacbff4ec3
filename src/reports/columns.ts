/**
 * The reports' CSV columns for a French spreadsheet: French headings and labels instead of codes, dates as
 * JJ/MM/AAAA and instants as JJ/MM/AAAA HH:MM in Europe/Paris.
 */
import { frenchDate, frenchDateTime } from "../platform/dates.js";
import type { Column } from "./csv.js";
import { CASE_STATUS_FR, CASE_TYPE_FR, fr, START_SOURCE_FR } from "./labels.js";
import type { casesByEntity, intermediateConsumption, newCustomers } from "./queries.js";

type Row<F extends (...a: never[]) => Promise<unknown[]>> = Awaited<ReturnType<F>>[number];

export const INTERMEDIATE_COLUMNS: Column<Row<typeof intermediateConsumption>>[] = [
  { header: "Point de desserte", value: (r) => r.servicePoint },
  { header: "Adresse", value: (r) => r.address },
  { header: "Propriétaire", value: (r) => r.owner },
  { header: "Date de résiliation du prédécesseur", value: (r) => frenchDate(r.predecessorTermination.date) },
  { header: "Index de résiliation (m3)", value: (r) => r.predecessorTermination.index },
  { header: "Date de début du nouvel abonnement", value: (r) => frenchDate(r.newStart.date) },
  { header: "Index de début (m3)", value: (r) => r.newStart.index },
  { header: "Volume non facturé (m3)", value: (r) => r.volume },
  { header: "Période du", value: (r) => frenchDate(r.from) },
  { header: "Période au", value: (r) => frenchDate(r.to) },
  { header: "Dossier", value: (r) => r.case },
  { header: "Abonnement", value: (r) => r.subscription },
  { header: "Entité", value: (r) => r.entity },
];

export const CASES_BY_ENTITY_COLUMNS: Column<Row<typeof casesByEntity>>[] = [
  { header: "Entité", value: (r) => r.entity },
  { header: "Type de dossier", value: (r) => fr(CASE_TYPE_FR, r.type) },
  { header: "Statut", value: (r) => fr(CASE_STATUS_FR, r.status) },
  { header: "Nombre", value: (r) => r.count },
];

export const NEW_CUSTOMERS_COLUMNS: Column<Row<typeof newCustomers>>[] = [
  { header: "Abonnement", value: (r) => r.subscription },
  { header: "Client", value: (r) => r.name },
  { header: "Identifiant client", value: (r) => r.party },
  { header: "Point de desserte", value: (r) => r.servicePoint },
  { header: "Adresse", value: (r) => r.address },
  { header: "Date de début", value: (r) => frenchDate(r.startDate) },
  { header: "Index de début (m3)", value: (r) => r.startIndex },
  { header: "Origine du début", value: (r) => fr(START_SOURCE_FR, r.source) },
  { header: "Entité", value: (r) => r.entity },
  { header: "Dossier", value: (r) => r.case },
  { header: "Créé le", value: (r) => frenchDateTime(new Date(r.createdAt)) },
];
