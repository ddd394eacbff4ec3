/** Contests (R11) and the INT_EUROS cases they or late proofs open (R12). */
import { useState } from "react";
import { api, newIdempotencyKey, qs } from "../api.ts";
import { FormError, useCommand } from "../command.tsx";
import { CaseLink, CaseStatusBadge, ServicePointLink } from "../entities.tsx";
import { CONTEST_STATUS, frDate, label, m3, OUTCOME } from "../format.ts";
import { useMay } from "../session.ts";
import type { CaseListItem, CommandResult, Contest, Page } from "../types.ts";
import {
  AsyncList,
  Badge,
  CheckLine,
  fieldError,
  Section,
  ShownOf,
  TextAreaField,
  useDraft,
  useGet,
} from "../ui.tsx";

export function ContestsPage() {
  const [status, setStatus] = useState("OPEN");
  const contests = useGet<Page<Contest>>(`/api/contests${qs({ status, limit: 200 })}`);
  const euros = useGet<Page<CaseListItem>>(`/api/cases${qs({ type: "INT_EUROS", limit: 200 })}`);
  const [flash, setFlash] = useState<string>();
  const changed = (r: CommandResult) => {
    setFlash(`${label(OUTCOME, r.outcome)}${r.case ? ` — dossier ${r.case}` : ""}`);
    contests.reload();
    euros.reload();
  };
  return (
    <div className="page">
      <div className="page-head">
        <h1>Contestations et dossiers INT vers EUROS</h1>
        <div className="filters">
          <label>
            Statut
            <select value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="OPEN">Ouvertes</option>
              <option value="ANSWERED">Répondues</option>
              <option value="ESCALATED">Transmises aux Euros</option>
              <option value="">Toutes</option>
            </select>
          </label>
        </div>
      </div>
      {flash && (
        <div className="banner ok" role="status">
          {flash}
        </div>
      )}
      <Section title="Contestations">
        <AsyncList
          state={contests}
          what="Chargement des contestations"
          empty={
            <>Aucune contestation {status ? `« ${label(CONTEST_STATUS, status).toLowerCase()} »` : ""}.</>
          }
        >
          {(page) => (
            <>
              <ShownOf page={page} rest="les plus récentes ; filtrez par statut pour voir les autres." />
              <div className="cards">
                {page.items.map((c) => (
                  <ContestCard key={c.id} c={c} onChanged={changed} />
                ))}
              </div>
            </>
          )}
        </AsyncList>
      </Section>
      <Section title="Dossiers INT vers EUROS">
        <AsyncList state={euros} what="Chargement des dossiers" empty="Aucun dossier INT vers EUROS.">
          {(page) => (
            <>
              <ShownOf
                page={page}
                rest="les plus récents ; la file de travail du service des Euros montre tous ceux à traiter."
              />
              <table className="grid">
                <thead>
                  <tr>
                    <th>Dossier</th>
                    <th>Statut</th>
                    <th>Client</th>
                    <th>Point de desserte</th>
                    <th>Abonnement</th>
                    <th>Entité</th>
                    <th>Ouvert le</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((c) => (
                    <tr key={c.id}>
                      <td>
                        <CaseLink id={c.id} />
                      </td>
                      <td>
                        <CaseStatusBadge status={c.status} />
                      </td>
                      <td>{c.party?.name ?? "—"}</td>
                      <td>
                        <ServicePointLink id={c.servicePoint.id} />
                      </td>
                      <td className="mono">{c.subscription ?? "—"}</td>
                      <td>{c.entity}</td>
                      <td>{frDate(c.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </AsyncList>
      </Section>
    </div>
  );
}

/** A command on the contest (POST /api/contests/:id/<action>). */
const contestCommand = (c: Contest, action: string, body: object, idempotencyKey: string) =>
  api.post<CommandResult>(`/api/contests/${encodeURIComponent(c.id)}/${action}`, body, { idempotencyKey });

function ContestCard({ c, onChanged }: { c: Contest; onChanged: (r: CommandResult) => void }) {
  const mayAnswer = useMay("answerContest");
  const mayPersist = useMay("contestPersists");
  const [d, update, clear] = useDraft(`contest.${c.id}`, { answer: "", regularizationNeeded: false });
  const { busy, error: err, run, submit } = useCommand();
  const answer = submit((key) => contestCommand(c, "answer", d, key), {
    onDone: (r) => {
      clear();
      onChanged(r);
    },
  });
  // Each click is a new attempt, with its own key.
  const persists = () =>
    run(() => contestCommand(c, "persists", {}, newIdempotencyKey()), { onDone: onChanged });
  return (
    <article className="card">
      <header>
        <strong>{c.id}</strong> · {c.party} · <ServicePointLink id={c.servicePoint} /> · abonnement{" "}
        <span className="mono">{c.subscription}</span> {c.euros && <Badge tone="info">euros</Badge>}{" "}
        <Badge tone={c.status === "OPEN" ? "warn" : c.status === "ESCALATED" ? "info" : "ok"}>
          {label(CONTEST_STATUS, c.status)}
        </Badge>
      </header>
      <p>
        <span className="muted">Motif :</span> {c.reason}
      </p>
      {c.proof && (
        <p>
          <span className="muted">Justificatif joint :</span> {frDate(c.proof.date)}
          {c.proof.index !== null && c.proof.index !== undefined ? `, ${m3(c.proof.index)}` : ""}
        </p>
      )}
      {c.answer && (
        <p>
          <span className="muted">Réponse ({frDate(c.answeredAt)}) :</span> {c.answer}
        </p>
      )}
      {c.regularizationCase && (
        <p>
          Dossier INT vers EUROS : <CaseLink id={c.regularizationCase} />
        </p>
      )}
      {c.euros && c.status === "OPEN" && (
        <p className="banner info small">
          Abonnement fait par le service des Euros : analysez et répondez au client sans transfert au service
          Euros.
        </p>
      )}
      {c.status === "OPEN" && mayAnswer && (
        <form className="inline-form" onSubmit={answer}>
          <TextAreaField
            label="Réponse au client"
            error={fieldError(err, "answer")}
            rows={3}
            value={d.answer}
            onChange={(answer) => update({ answer })}
          />
          <CheckLine
            id={`reg-${c.id}`}
            label="Une régularisation est nécessaire (ouvre un dossier INT vers EUROS)"
            checked={d.regularizationNeeded}
            onChange={(regularizationNeeded) => update({ regularizationNeeded })}
          />
          <div className="form-buttons">
            <button type="submit" className="primary" disabled={busy}>
              Envoyer la réponse
            </button>
          </div>
        </form>
      )}
      {c.status === "ANSWERED" && mayPersist && (
        <div className="form-buttons">
          <button type="button" disabled={busy} onClick={persists}>
            Le client conteste toujours → INT vers EUROS
          </button>
        </div>
      )}
      <FormError error={err} fields={["answer"]} />
    </article>
  );
}
