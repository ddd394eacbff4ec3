/**
 * A case: what it is about, its timeline (comments, proofs, messages, interventions, tasks)
 * and the actions the role may take, with proof entry, document upload and an outcome
 * preview before confirming.
 */
import { type ReactNode, useState } from "react";
import { newIdempotencyKey } from "../api.ts";
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
  ConfirmStep,
  DatedIndexFields,
  Empty,
  Facts,
  Link,
  ResourcePage,
  Section,
  useDraft,
} from "../ui.tsx";
import { CaseDocuments } from "./CaseDocuments.tsx";
import {
  CloseForm,
  CommentForm,
  ContestFacts,
  caseCommand,
  ReminderConfirm,
  Timeline,
} from "./CaseParts.tsx";
import { ProofForm } from "./ProofForm.tsx";

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
      {/* R19 is about move-in cases; a proof made of a counter document marks it processed: the list is read again after each proof. */}
      {c.type !== "INT_EUROS" && <CaseDocuments key={c.proofs.length} c={c} onDone={done} />}
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
  const [noProof, setNoProof] = useState(false);
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
      <button key="n" type="button" disabled={busy} aria-expanded={noProof} onClick={() => setNoProof(true)}>
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
      {noProof && (
        <ConfirmStep
          testId="confirm-no-proof"
          label="Pas de justificatif"
          confirm="Abonner sans justificatif"
          disabled={busy}
          onConfirm={() =>
            run(() => caseCommand(c, "no-proof", {}, newIdempotencyKey()), {
              onDone: (r) => {
                setNoProof(false);
                onDone(r);
              },
            })
          }
          onBack={() => setNoProof(false)}
        >
          Le client n'a pas de justificatif : abonner avec la date et l'index de résiliation du prédécesseur ?
        </ConfirmStep>
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
