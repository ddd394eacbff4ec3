/**
 * A case: what it is about, its timeline (comments, proofs, messages, interventions, tasks)
 * and the actions the role may take, with proof entry, document upload and an outcome
 * preview before confirming.
 */
import { type ReactNode, useState } from "react";
import { showsIntermediateConsumption } from "../../../src/move-in/rules/gap.js";
import { prescribedStart } from "../../../src/move-in/rules/prescription.js";
import { ApiError, api, newIdempotencyKey } from "../api.ts";
import { FormError, useCommand } from "../command.tsx";
import { CaseStatusBadge, casePath, ServicePointLink, servicePointPath } from "../entities.tsx";
import {
  CASE_TYPE,
  frDate,
  label,
  m3,
  OUTCOME,
  REGULARIZATION_MOTIVE,
  START_SOURCE,
  signedM3,
  todayParis,
} from "../format.ts";
import { useMay } from "../session.ts";
import type { CaseView, CommandResult } from "../types.ts";
import {
  Badge,
  CheckLine,
  DatedIndexFields,
  DateField,
  Empty,
  Facts,
  Field,
  fieldError,
  IndexField,
  Link,
  ResourcePage,
  Section,
  TextField,
  useDraft,
} from "../ui.tsx";
import { CaseDocuments, DocumentFileField } from "./CaseDocuments.tsx";
import {
  CloseForm,
  CommentForm,
  ContestFacts,
  caseCommand,
  ReminderConfirm,
  Timeline,
} from "./CaseParts.tsx";

export function CasePage({ id }: { id: string }) {
  return (
    <ResourcePage<CaseView> url={`/api/cases/${encodeURIComponent(id)}`} what="Chargement du dossier">
      {(c, reload) => <CaseBody c={c} reload={reload} />}
    </ResourcePage>
  );
}

function CaseBody({ c, reload }: { c: CaseView; reload: () => void }) {
  const [flash, setFlash] = useState<string>();
  const done = (r: CommandResult | string) => {
    setFlash(
      typeof r === "string"
        ? r
        : label(OUTCOME, r.outcome) + (r.subscription ? ` — abonnement ${r.subscription}` : ""),
    );
    reload();
  };
  const mi = c.moveIn;
  return (
    <>
      <div className="page-head">
        <div>
          <p className="crumb">
            <Link to="/file">File de travail</Link> › <ServicePointLink id={c.servicePoint.id} /> › Dossier
          </p>
          <h1>
            Dossier {c.id} <span className="muted">· {label(CASE_TYPE, c.type)}</span>{" "}
            <CaseStatusBadge status={c.status} />
          </h1>
        </div>
      </div>
      {flash && (
        <div className="banner ok" role="status" data-testid="flash">
          {flash}
        </div>
      )}
      <div className="cols">
        <Section title="Client et point de desserte">
          <Facts
            items={[
              [
                "Client",
                c.party ? `${c.party.name} (${c.party.role === "SUBSCRIBER" ? "abonné" : "prospect"})` : "—",
              ],
              ["Courriel", c.party?.email ?? "inconnu — courrier postal"],
              ["Adresse postale", c.party?.address ?? "—"],
              [
                "Point de desserte",
                <Link
                  key="sp"
                  to={servicePointPath(c.servicePoint.id)}
                >{`${c.servicePoint.id} — ${c.servicePoint.address}`}</Link>,
              ],
              [
                "Compteur",
                <span key="m" className="mono">
                  {c.servicePoint.meterSerial ?? "—"}
                  {c.servicePoint.remoteReading ? " (télérelève)" : ""}
                </span>,
              ],
              ["Propriétaire", c.servicePoint.owner ?? "—"],
              ["Entité", `${c.entity} — ouvert le ${frDate(c.createdAt)} par ${c.createdBy}`],
            ]}
          />
        </Section>
        <Section title="Arrivée et abonnement">
          {mi ? (
            <Facts
              items={[
                [
                  "Résiliation du prédécesseur",
                  mi.termination.index === null
                    ? "aucune (ni ancien occupant ni relevé valide)"
                    : `${m3(mi.termination.index)} au ${frDate(mi.termination.date)}`,
                ],
                [
                  "Arrivée déclarée",
                  `${mi.index === null ? "index inconnu" : m3(mi.index)} au ${frDate(mi.date)}`,
                ],
                ["Écart", mi.gap === null ? "—" : <strong key="g">{signedM3(mi.gap)}</strong>],
                ["Remise en eau", mi.reconnection ? "oui" : "non"],
                [
                  "Justificatif",
                  mi.proof === "NONE" ? "le client n'en a pas" : mi.proofRequested ? "demandé" : "annoncé",
                ],
                [
                  "Abonnement",
                  c.subscription ? (
                    <span key="s">
                      {c.subscription.id} : {frDate(c.subscription.start.date)},{" "}
                      {m3(c.subscription.start.index)} — {label(START_SOURCE, c.subscription.start.source)}
                    </span>
                  ) : (
                    <Badge key="n" tone="warn">
                      non mis en place
                    </Badge>
                  ),
                ],
              ]}
            />
          ) : c.regularization ? (
            <Facts
              items={[
                ["Motif", label(REGULARIZATION_MOTIVE, c.regularization.motive)],
                [
                  "Justificatif",
                  c.regularization.proof
                    ? `${c.regularization.proof.date ? frDate(c.regularization.proof.date) : "sans date"}, ${c.regularization.proof.index === null ? "sans index" : m3(c.regularization.proof.index)}`
                    : "—",
                ],
                [
                  "Abonnement",
                  c.subscription
                    ? `${c.subscription.id} : ${frDate(c.subscription.start.date)}, ${m3(c.subscription.start.index)} (${label(START_SOURCE, c.subscription.start.source)})`
                    : "—",
                ],
                ["Contestation", c.contest ?? "—"],
                ...(c.regularization.regularizedStart
                  ? ([
                      [
                        "Début régularisé",
                        `${frDate(c.regularization.regularizedStart.to.date)}, ${m3(c.regularization.regularizedStart.to.index)} (auparavant ${frDate(c.regularization.regularizedStart.from.date)}, ${m3(c.regularization.regularizedStart.from.index)})`,
                      ],
                    ] as Array<[string, string]>)
                  : []),
              ]}
            />
          ) : null}
          {c.contestDetail && <ContestFacts k={c.contestDetail} />}
          {!mi && !c.regularization ? <Empty>—</Empty> : null}
          {c.relatedCases.length > 0 && (
            <p className="small">
              Dossiers liés :{" "}
              {c.relatedCases.map((r) => (
                <Link key={r.id} to={casePath(r.id)} className="chip">
                  {r.id} ({label(CASE_TYPE, r.type)})
                </Link>
              ))}
            </p>
          )}
        </Section>
      </div>
      <CaseActions c={c} onDone={done} />
      <CaseDocuments c={c} onDone={done} />
      <Section title="Historique du dossier">
        <Timeline c={c} />
        <CommentForm c={c} onDone={done} />
      </Section>
    </>
  );
}

/* ---------------- actions ---------------- */

function CaseActions({ c, onDone }: { c: CaseView; onDone: (r: CommandResult | string) => void }) {
  const mayProof = useMay("receiveProof");
  const mayRequest = useMay("requestProof");
  const mayNoProof = useMay("declareNoProof");
  const mayVisit = useMay("interventionReport");
  const mayClose = useMay("closeRegularization");
  const open = c.status === "OPEN";
  const isArr = c.type !== "INT_EUROS";
  const plannedVisit = c.interventions.some((v) => v.status === "PLANNED");
  const [panel, setPanel] = useState<"proof" | "visit" | "close" | null>(null);
  const [reminding, setReminding] = useState(false);
  const { busy, error, run } = useCommand();
  // Each click is a new attempt, with its own key.
  const simple = (action: string) => run(() => caseCommand(c, action, {}, newIdempotencyKey()), { onDone });
  const buttons: ReactNode[] = [];
  // A late proof on a closed move-in case is still accepted: it opens an INT_EUROS case (R12).
  if (mayProof && isArr)
    buttons.push(
      <button
        key="p"
        type="button"
        className={panel === "proof" ? "primary" : ""}
        onClick={() => setPanel(panel === "proof" ? null : "proof")}
      >
        {open ? "Saisir un justificatif" : "Justificatif tardif"}
      </button>,
    );
  // A proof already asked for: a second request is a reminder of the same deadline, said and confirmed first.
  const proofTask = c.tasks.find((t) => t.kind === "AWAIT_PROOF" && t.status === "OPEN");
  const asked = Boolean(c.moveIn?.proofRequested || proofTask);
  if (open && isArr && mayRequest && !c.subscription)
    buttons.push(
      <button
        key="r"
        type="button"
        disabled={busy}
        aria-expanded={asked ? reminding : undefined}
        onClick={() => (asked ? setReminding(true) : simple("proof-requests"))}
      >
        {asked ? "Relancer le client" : "Demander un justificatif"}
      </button>,
    );
  if (open && isArr && mayNoProof && !c.subscription)
    buttons.push(
      <button
        key="n"
        type="button"
        disabled={busy}
        onClick={() => {
          if (
            window.confirm(
              "Le client n'a pas de justificatif : abonner avec la date et l'index de résiliation du prédécesseur ?",
            )
          )
            void simple("no-proof");
        }}
      >
        Pas de justificatif
      </button>,
    );
  if (open && mayVisit && plannedVisit)
    buttons.push(
      <button key="v" type="button" onClick={() => setPanel(panel === "visit" ? null : "visit")}>
        Compte rendu d'intervention
      </button>,
    );
  if (open && mayClose && c.type === "INT_EUROS")
    buttons.push(
      <button key="c" type="button" onClick={() => setPanel(panel === "close" ? null : "close")}>
        Régulariser et clôturer
      </button>,
    );
  if (buttons.length === 0) return null;
  return (
    <Section title="Actions">
      <div className="actions">{buttons}</div>
      {reminding && (
        <ReminderConfirm
          c={c}
          busy={busy}
          onConfirm={() =>
            run(() => caseCommand(c, "proof-requests", {}, newIdempotencyKey()), {
              onDone: () => {
                setReminding(false);
                onDone(
                  proofTask
                    ? `Relance envoyée au client : l'échéance reste le ${frDate(proofTask.due)}.`
                    : "Relance envoyée au client.",
                );
              },
            })
          }
          onCancel={() => setReminding(false)}
        />
      )}
      <FormError error={error} />
      {panel === "proof" && (
        <ProofForm
          c={c}
          onDone={(r) => {
            setPanel(null);
            onDone(r);
          }}
          onRefused={() => onDone("Justificatif refusé, conservé au dossier.")}
        />
      )}
      {panel === "visit" && (
        <VisitForm
          c={c}
          onDone={(r) => {
            setPanel(null);
            onDone(r);
          }}
        />
      )}
      {panel === "close" && (
        <CloseForm
          c={c}
          onDone={(r) => {
            setPanel(null);
            onDone(r);
          }}
        />
      )}
    </Section>
  );
}

interface ProofDraft {
  kind: "SALE_DEED" | "NOTARY_CERTIFICATE" | "ENTRY_INVENTORY" | "METER_PHOTO";
  date: string;
  index: string;
  meterSerial: string;
  prescriptionInvoked: boolean;
}

/** What receiveProof will do with these figures: an aid to the advisor; the server decides and may refuse. */
function proofOutcome(
  c: CaseView,
  d: ProofDraft,
  tolerance = 5,
): { lines: string[]; tone: "ok" | "warn" | "bad" | "info"; r9: boolean } {
  const mi = c.moveIn;
  const index = /^\d+$/.test(d.index.trim()) ? Number(d.index.trim()) : null;
  if (
    d.meterSerial.trim() &&
    c.servicePoint.meterSerial &&
    d.meterSerial.trim().replace(/\s+/g, "").toUpperCase() !==
      c.servicePoint.meterSerial.replace(/\s+/g, "").toUpperCase()
  ) {
    return {
      tone: "bad",
      r9: false,
      lines: [
        `Le matricule ${d.meterSerial} n'est pas celui du compteur (${c.servicePoint.meterSerial}) : le justificatif sera refusé et conservé.`,
      ],
    };
  }
  if (d.kind === "METER_PHOTO") {
    return {
      tone: "info",
      r9: false,
      lines: [
        "Une photo du compteur n'est pas un justificatif d'entrée : elle ajoute un relevé client et confirme le matricule.",
        "Le dossier reste ouvert.",
      ],
    };
  }
  if (!d.date) return { tone: "info", r9: false, lines: ["Saisissez la date figurant sur le document."] };
  if (c.status !== "OPEN" || c.subscription) {
    return {
      tone: "warn",
      r9: false,
      lines: [
        "L'abonnement est déjà en place : il n'est pas modifié.",
        `Un dossier INT vers EUROS sera ouvert pour régularisation (date ${frDate(d.date)}, index ${index === null ? "non indiqué" : m3(index)}).`,
      ],
    };
  }
  if (mi && d.date < mi.termination.date) {
    return {
      tone: "bad",
      r9: false,
      lines: [
        `La date ${frDate(d.date)} est antérieure à la résiliation du prédécesseur (${frDate(mi.termination.date)}) : le justificatif sera refusé.`,
      ],
    };
  }
  const lines: string[] = [];
  const presc = prescribedStart(d.date, todayParis(), d.prescriptionInvoked);
  if (presc) {
    lines.push(
      `Prescription biennale : début au ${frDate(presc)} (aujourd'hui moins 2 ans), à l'index de cette date (télérelève ou interpolation des relevés).`,
    );
  } else {
    const source =
      index !== null
        ? "PROOF"
        : c.servicePoint.remoteReading
          ? "PROOF_DATE_REMOTE_INDEX"
          : "PROOF_DATE_PREDECESSOR_INDEX";
    const idx =
      index !== null
        ? m3(index)
        : c.servicePoint.remoteReading
          ? "index de télérelève du jour"
          : mi && mi.termination.index !== null
            ? m3(mi.termination.index)
            : "—";
    lines.push(`Abonnement au ${frDate(d.date)}, index ${idx} — ${label(START_SOURCE, source)}.`);
    if (d.prescriptionInvoked)
      lines.push("Prescription invoquée mais le document a moins de 2 ans : sans effet.");
  }
  lines.push("Confirmation écrite au client (justificatif), tâche traitée, dossier clôturé.");
  const from = mi?.termination.index ?? null;
  const r9 =
    mi !== null && from !== null && index !== null && showsIntermediateConsumption(from, index, tolerance);
  if (r9 && mi && from !== null && index !== null) {
    lines.push(
      `Consommation entre les occupants : ${m3(index - from)} du ${frDate(mi.termination.date)} au ${frDate(d.date)} — commentaire « écart de consommation avec ancien occupant ».`,
    );
  }
  return { tone: "ok", r9, lines };
}

function ProofForm({
  c,
  onDone,
  onRefused,
}: {
  c: CaseView;
  onDone: (r: CommandResult) => void;
  onRefused: () => void;
}) {
  const [d, update, clear] = useDraft<ProofDraft>(`proof.${c.id}`, {
    kind: "ENTRY_INVENTORY",
    date: "",
    index: "",
    meterSerial: c.servicePoint.meterSerial ?? "",
    prescriptionInvoked: false,
  });
  const [file, setFile] = useState<File | null>(null);
  const { busy, error: err, submit, renewKey } = useCommand();
  const preview = proofOutcome(c, d);
  const send = (idempotencyKey: string): Promise<CommandResult> => {
    const fields: Record<string, string> = { kind: d.kind };
    if (d.date) fields.date = d.date;
    if (d.index.trim()) fields.index = d.index.trim();
    if (d.meterSerial.trim()) fields.meterSerial = d.meterSerial.trim();
    const path = `/api/cases/${encodeURIComponent(c.id)}/proofs`;
    if (!file) {
      return api.post<CommandResult>(
        path,
        { ...fields, prescriptionInvoked: d.prescriptionInvoked },
        { idempotencyKey },
      );
    }
    const fd = new FormData();
    for (const [k, v] of Object.entries(fields)) fd.append(k, v);
    fd.append("prescriptionInvoked", d.prescriptionInvoked ? "true" : "false");
    fd.append("file", file, file.name);
    return api.post<CommandResult>(path, fd, { idempotencyKey });
  };
  const onSubmit = submit(send, {
    onDone: (r) => {
      clear();
      renewKey();
      onDone(r);
    },
    onError: (ae) => {
      // A refused proof is kept on file: new key for the next attempt, figures stay in the form.
      if (
        ae instanceof ApiError &&
        ae.status === 422 &&
        (ae.code === "METER_SERIAL_MISMATCH" || ae.code === "DATE_BEFORE_TERMINATION")
      ) {
        renewKey();
        onRefused();
      }
    },
  });
  return (
    <form
      className="inline-form proof-form"
      onSubmit={onSubmit}
      aria-label="Saisie d'un justificatif"
      noValidate
    >
      <div className="cols">
        <div>
          <div className="grid2">
            <Field label="Type de document" error={fieldError(err, "kind")}>
              {(id, dd) => (
                <select
                  id={id}
                  aria-describedby={dd}
                  value={d.kind}
                  onChange={(e) => update({ kind: e.target.value as ProofDraft["kind"] })}
                >
                  <option value="ENTRY_INVENTORY">État des lieux d'entrée</option>
                  <option value="SALE_DEED">Acte de vente</option>
                  <option value="NOTARY_CERTIFICATE">Attestation notariée</option>
                  <option value="METER_PHOTO">Photo du compteur (complément)</option>
                </select>
              )}
            </Field>
            <DateField
              label={d.kind === "METER_PHOTO" ? "Date de la photo" : "Date d'entrée sur le document"}
              error={fieldError(err, "date")}
              max={todayParis()}
              value={d.date}
              onChange={(date) => update({ date })}
            />
            <IndexField
              label="Index sur le document (m3)"
              error={fieldError(err, "index")}
              hint="Laisser vide si le document n'indique pas d'index."
              value={d.index}
              onChange={(index) => update({ index })}
            />
            <TextField
              label="Matricule du compteur sur le document"
              error={fieldError(err, "meterSerial")}
              value={d.meterSerial}
              onChange={(meterSerial) => update({ meterSerial })}
              input={{ className: "mono" }}
            />
          </div>
          <CheckLine
            id="presc"
            label="Le client invoque la prescription biennale"
            checked={d.prescriptionInvoked}
            onChange={(prescriptionInvoked) => update({ prescriptionInvoked })}
          />
          <DocumentFileField
            label="Document (PDF, JPEG ou PNG, 10 Mo au plus)"
            error={fieldError(err, "file")}
            onFile={setFile}
          />
        </div>
        <div className={`preview outcome ${preview.tone}`} data-testid="proof-preview" aria-live="polite">
          <h3>Résultat prévu</h3>
          {preview.lines.map((l) => (
            <p key={l}>{l}</p>
          ))}
          <p className="muted small">Aperçu : la décision est prise par le serveur à la confirmation.</p>
        </div>
      </div>
      <FormError
        error={err}
        fields={["kind", "date", "index", "meterSerial", "prescriptionInvoked", "file"]}
      />
      <div className="form-buttons">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Enregistrement…" : "Confirmer le justificatif"}
        </button>
      </div>
    </form>
  );
}

function VisitForm({ c, onDone }: { c: CaseView; onDone: (r: CommandResult) => void }) {
  const [d, update, clear] = useDraft(`visit.${c.id}`, { date: todayParis(), index: "" });
  const { busy, error: err, submit } = useCommand();
  const onSubmit = submit((key) => caseCommand(c, "intervention-report", d, key), {
    onDone: (r) => {
      clear();
      onDone(r);
    },
  });
  return (
    <form className="inline-form" onSubmit={onSubmit} aria-label="Compte rendu d'intervention">
      <div className="row">
        <DatedIndexFields
          dateLabel="Date de la remise en eau"
          indexLabel="Index relevé par le technicien (m3)"
          value={d}
          onChange={update}
          error={err}
        />
        <div className="row-buttons">
          <button type="submit" className="primary" disabled={busy}>
            Enregistrer le relevé
          </button>
        </div>
      </div>
      <FormError error={err} fields={["date", "index"]} />
    </form>
  );
}
