/** The service point page: meter, occupants over time, reading history laid out as advisors know it, cases. */
import { type ReactNode, useState } from "react";
import { api } from "../api.ts";
import { IndexChart } from "../charts.tsx";
import { FormError, SaveOrCancel, useCommand } from "../command.tsx";
import { CaseLink, CaseStatusBadge, servicePointPath } from "../entities.tsx";
import {
  CASE_TYPE,
  frDate,
  frNum,
  label,
  m3,
  READING_STATUS,
  READING_TYPE,
  START_SOURCE,
  todayParis,
} from "../format.ts";
import { ActionsHeader, InlineFormRow, type RowFormProps, useRowForm } from "../rows.tsx";
import { useMay } from "../session.ts";
import type { CommandResult, Reading, ServicePointView, Subscription } from "../types.ts";
import {
  Badge,
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

export function ServicePointPage({ id }: { id: string }) {
  return (
    <ResourcePage<ServicePointView>
      url={`/api/service-points/${encodeURIComponent(id)}`}
      what="Chargement du point de desserte"
    >
      {(sp, reload) => <ServicePointBody sp={sp} reload={reload} />}
    </ResourcePage>
  );
}

function ServicePointBody({ sp, reload }: { sp: ServicePointView; reload: () => void }) {
  const mayMoveIn = useMay("moveIn");
  const mayRecord = useMay("recordReading");
  const [recording, setRecording] = useState(false);
  const today = todayParis();
  const current = sp.subscriptions.find((s) => s.end === null);
  const suspects = sp.readings.filter((r) => r.status === "SUSPECT").length;
  const occupancy = sp.subscriptions.map((s) => ({
    name: s.party.name,
    from: s.start.date,
    to: s.end?.date ?? null,
  }));
  return (
    <>
      <div className="page-head">
        <div>
          <p className="crumb">
            <Link to="/">Recherche</Link> › Point de desserte
          </p>
          <h1>
            {sp.address} <span className="muted mono">{sp.id}</span>
          </h1>
        </div>
        <div className="actions">
          {mayRecord && (
            <button type="button" onClick={() => setRecording((v) => !v)} aria-expanded={recording}>
              Saisir un relevé
            </button>
          )}
          {mayMoveIn && (
            <Link to={`${servicePointPath(sp.id)}/arrivee`} className="button primary">
              Nouvelle arrivée
            </Link>
          )}
        </div>
      </div>
      <div className="cols">
        <Section title="Compteur et occupation">
          <Facts
            items={[
              [
                "Matricule",
                <span className="mono" key="m">
                  {sp.meter?.serial ?? "aucun compteur"}
                </span>,
              ],
              ["Télérelève", sp.meter ? (sp.meter.remoteReading ? "oui" : "non") : "—"],
              ["Propriétaire", sp.owner ?? "non renseigné"],
              [
                "Occupant actuel",
                current ? (
                  <span key="c">
                    {current.party.name} <span className="muted">depuis le {frDate(current.start.date)}</span>
                  </span>
                ) : (
                  <Badge key="v" tone="warn">
                    Vacant
                  </Badge>
                ),
              ],
              [
                "Index de résiliation",
                sp.termination ? (
                  <span key="t">
                    <strong>{m3(sp.termination.index)}</strong> au {frDate(sp.termination.date)}{" "}
                    <span className="muted">
                      {sp.termination.source === "SUBSCRIPTION"
                        ? "(prédécesseur)"
                        : "(dernier relevé valide)"}
                    </span>
                  </span>
                ) : (
                  "—"
                ),
              ],
              [
                "Relevés suspects",
                suspects > 0 ? (
                  <Badge key="s" tone="bad">
                    {suspects} à vérifier
                  </Badge>
                ) : (
                  "aucun"
                ),
              ],
            ]}
          />
        </Section>
        <Section title="Index dans le temps">
          {sp.readings.length > 0 ? (
            <IndexChart readings={sp.readings} occupancy={occupancy} today={today} />
          ) : (
            <Empty>Aucun relevé.</Empty>
          )}
        </Section>
      </div>
      {recording && (
        <RecordReadingForm
          sp={sp}
          onDone={() => {
            setRecording(false);
            reload();
          }}
          onCancel={() => setRecording(false)}
        />
      )}
      <Section title="Historique des relevés">
        <ReadingHistory readings={sp.readings} onChanged={reload} />
      </Section>
      <Section title="Occupants">
        <Occupants subs={sp.subscriptions} onChanged={reload} />
      </Section>
      <Section title="Dossiers">
        {sp.cases.length === 0 ? (
          <Empty>Aucun dossier sur ce point de desserte.</Empty>
        ) : (
          <table className="grid">
            <thead>
              <tr>
                <th>Dossier</th>
                <th>Type</th>
                <th>Statut</th>
                <th>Personne</th>
                <th>Entité</th>
                <th>Ouvert le</th>
              </tr>
            </thead>
            <tbody>
              {sp.cases.map((c) => (
                <tr key={c.id}>
                  <td>
                    <CaseLink id={c.id} />
                  </td>
                  <td>{label(CASE_TYPE, c.type)}</td>
                  <td>
                    <CaseStatusBadge status={c.status} />
                  </td>
                  <td>{c.party?.name ?? "—"}</td>
                  <td>{c.entity}</td>
                  <td>{frDate(c.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
}

/** The source document's table: date, usage, expected usage, expected index range, index, type, status. */
function ReadingHistory({ readings, onChanged }: { readings: Reading[]; onChanged: () => void }) {
  const mayCorrect = useMay("correctReading");
  const mayConfirm = useMay("confirmReading");
  const rows = useRowForm<"correct" | "confirm">(onChanged);
  if (readings.length === 0) return <Empty>Aucun relevé sur ce point de desserte.</Empty>;
  return (
    <table className="grid readings">
      <thead>
        <tr>
          <th>Date du relevé</th>
          <th className="num">Consommation</th>
          <th>Consommation correcte</th>
          <th>Relevés corrects</th>
          <th className="num">Index (m3)</th>
          <th>Type de relevé</th>
          <th>Statut</th>
          <ActionsHeader />
        </tr>
      </thead>
      <tbody>
        {readings.map((r) => {
          const suspect = r.status === "SUSPECT";
          const mode = rows.modeOf(r.id);
          return (
            <ReadingRow
              key={r.id}
              r={r}
              suspect={suspect}
              actions={
                suspect && (mayCorrect || mayConfirm) ? (
                  <div className="row-actions">
                    {mayCorrect && (
                      <button
                        type="button"
                        className={r.suggestedIndex !== null ? "primary small" : "small"}
                        onClick={() => rows.toggle(r.id, "correct")}
                      >
                        {r.suggestedIndex !== null ? `Corriger en ${frNum(r.suggestedIndex)}` : "Corriger"}
                      </button>
                    )}
                    {mayConfirm && (
                      <button
                        type="button"
                        className="small ghost"
                        onClick={() => rows.toggle(r.id, "confirm")}
                      >
                        Confirmer
                      </button>
                    )}
                  </div>
                ) : null
              }
              form={mode ? <ReadingFix r={r} mode={mode} onDone={rows.done} onCancel={rows.close} /> : null}
            />
          );
        })}
      </tbody>
    </table>
  );
}

function ReadingRow(props: { r: Reading; suspect: boolean; actions: ReactNode; form: ReactNode }) {
  const { r } = props;
  const cls = r.status === "SUSPECT" ? "suspect" : r.status === "REPLACED" ? "replaced" : "";
  return (
    <>
      <tr className={cls} data-reading={r.id}>
        <td>{frDate(r.date)}</td>
        <td className="num">{r.usage === null ? "—" : frNum(r.usage)}</td>
        <td>
          {r.expected ? (
            `${frNum(r.expected.usage[0])} – ${frNum(r.expected.usage[1])}`
          ) : (
            <span className="muted">sans valeurs hte/basse</span>
          )}
        </td>
        <td>
          {r.expected ? (
            `${frNum(r.expected.index[0])} – ${frNum(r.expected.index[1])}`
          ) : (
            <span className="muted">—</span>
          )}
        </td>
        <td className="num strong">{frNum(r.index)}</td>
        <td>{label(READING_TYPE, r.type)}</td>
        <td>
          <Badge tone={r.status === "SUSPECT" ? "bad" : r.status === "REPLACED" ? "muted" : "ok"}>
            {label(READING_STATUS, r.status)}
          </Badge>
          {r.warnings.includes("LOW_USAGE") && (
            <Badge tone="info">
              <span title="Consommation inférieure à l'attendu (absence, mois calme) : à titre indicatif">
                conso. faible
              </span>
            </Badge>
          )}
          {r.suggestedIndex !== null && r.status === "SUSPECT" && (
            <div className="hint">
              Index probable : <strong>{frNum(r.suggestedIndex)}</strong>
            </div>
          )}
          {r.replacedBy && (
            <div className="hint">
              remplacé par {r.replacedBy.reading} ({r.replacedBy.by})
              {r.replacedBy.reason ? ` : ${r.replacedBy.reason}` : ""}
            </div>
          )}
          {r.replaces && <div className="hint">correction{r.reason ? ` : ${r.reason}` : ""}</div>}
          {r.confirmation && (
            <div className="hint">
              confirmé par {r.confirmation.by} : {r.confirmation.reason}
            </div>
          )}
        </td>
        <td>{props.actions}</td>
      </tr>
      <InlineFormRow colSpan={8}>{props.form}</InlineFormRow>
    </>
  );
}

function ReadingFix(props: RowFormProps<"correct" | "confirm"> & { r: Reading }) {
  const { r, mode } = props;
  const [index, setIndex] = useState(r.suggestedIndex !== null ? String(r.suggestedIndex) : "");
  const [reason, setReason] = useState(
    mode === "correct"
      ? r.suggestedIndex !== null
        ? `Saisie incohérente : ${r.index} saisi au lieu de ${r.suggestedIndex} (seuls les m3 doivent être saisis)`
        : ""
      : "",
  );
  const { busy, error, submit } = useCommand();
  const onSubmit = submit(
    (idempotencyKey) =>
      mode === "correct"
        ? api.post<CommandResult>(
            `/api/readings/${encodeURIComponent(r.id)}/corrections`,
            { index, reason },
            { idempotencyKey },
          )
        : api.post<CommandResult>(
            `/api/readings/${encodeURIComponent(r.id)}/confirmations`,
            { reason },
            { idempotencyKey },
          ),
    { onDone: props.onDone },
  );
  return (
    <form
      className="inline-form"
      onSubmit={onSubmit}
      aria-label={mode === "correct" ? "Corriger le relevé" : "Confirmer le relevé"}
    >
      <p className="muted">
        {mode === "correct"
          ? `Le relevé du ${frDate(r.date)} (${frNum(r.index)} m3) reste dans l'historique, marqué « remplacé ».`
          : `Le relevé du ${frDate(r.date)} (${frNum(r.index)} m3) est réel (fuite, piscine…) : il devient valide.`}
      </p>
      <div className="row">
        {mode === "correct" && (
          <IndexField
            label="Index corrigé (m3)"
            error={fieldError(error, "index")}
            value={index}
            onChange={setIndex}
            autoFocus
          />
        )}
        <TextField
          label="Motif"
          error={fieldError(error, "reason")}
          className="grow"
          value={reason}
          onChange={setReason}
          autoFocus={mode === "confirm"}
        />
        <SaveOrCancel
          busy={busy}
          label={mode === "correct" ? "Enregistrer la correction" : "Confirmer le relevé"}
          onCancel={props.onCancel}
        />
      </div>
      <FormError error={error} fields={["index", "reason"]} />
    </form>
  );
}

function RecordReadingForm(props: { sp: ServicePointView; onDone: () => void; onCancel: () => void }) {
  const [draft, update, clear] = useDraft(`reading.${props.sp.id}`, {
    date: todayParis(),
    index: "",
    type: "CUSTOMER",
  });
  const { busy, error, submit, renewKey } = useCommand();
  const onSubmit = submit(
    (idempotencyKey) =>
      api.post<CommandResult>(`/api/service-points/${encodeURIComponent(props.sp.id)}/readings`, draft, {
        idempotencyKey,
      }),
    {
      onDone: () => {
        clear();
        renewKey();
        props.onDone();
      },
    },
  );
  return (
    <Section title="Saisir un relevé">
      <form className="inline-form" onSubmit={onSubmit}>
        <div className="row">
          <DatedIndexFields
            dateLabel="Date du relevé"
            indexLabel="Index (m3 entiers)"
            value={draft}
            onChange={update}
            error={error}
          />
          <Field label="Type de relevé" error={fieldError(error, "type")}>
            {(id, d) => (
              <select
                id={id}
                aria-describedby={d}
                value={draft.type}
                onChange={(e) => update({ type: e.target.value })}
              >
                <option value="CUSTOMER">Relevé client</option>
                <option value="NORMAL">Normal (agent)</option>
                <option value="ESTIMATE">Estimation</option>
              </select>
            )}
          </Field>
          <SaveOrCancel busy={busy} label="Enregistrer" onCancel={props.onCancel} />
        </div>
        <FormError error={error} fields={["date", "index", "type"]} />
      </form>
    </Section>
  );
}

function Occupants({ subs, onChanged }: { subs: Subscription[]; onChanged: () => void }) {
  const mayMoveOut = useMay("moveOut");
  const mayContest = useMay("contest");
  const rows = useRowForm<"moveOut" | "contest">(onChanged);
  if (subs.length === 0) return <Empty>Aucun abonnement connu sur ce point de desserte.</Empty>;
  return (
    <table className="grid">
      <thead>
        <tr>
          <th>Abonnement</th>
          <th>Abonné</th>
          <th>Début</th>
          <th className="num">Index début</th>
          <th>Origine</th>
          <th>Fin</th>
          <th className="num">Index fin</th>
          <th>Caractéristiques</th>
          <ActionsHeader />
        </tr>
      </thead>
      <tbody>
        {subs.map((s) => {
          const mode = rows.modeOf(s.id);
          return (
            <OccupantRow
              key={s.id}
              s={s}
              actions={
                <div className="row-actions">
                  {mayMoveOut && s.end === null && (
                    <button type="button" className="small" onClick={() => rows.open(s.id, "moveOut")}>
                      Résilier
                    </button>
                  )}
                  {mayContest && (
                    <button type="button" className="small ghost" onClick={() => rows.open(s.id, "contest")}>
                      Contestation
                    </button>
                  )}
                </div>
              }
              form={
                mode ? (
                  <SubscriptionAction s={s} mode={mode} onDone={rows.done} onCancel={rows.close} />
                ) : null
              }
            />
          );
        })}
      </tbody>
    </table>
  );
}

function OccupantRow({ s, actions, form }: { s: Subscription; actions: ReactNode; form: ReactNode }) {
  return (
    <>
      <tr>
        <td className="mono">{s.id}</td>
        <td>{s.party.name}</td>
        <td>{frDate(s.start.date)}</td>
        <td className="num">{frNum(s.start.index)}</td>
        <td>
          {label(START_SOURCE, s.start.source)}
          {s.case && (
            <>
              {" "}
              · <CaseLink id={s.case} />
            </>
          )}
        </td>
        <td>{s.end ? frDate(s.end.date) : <Badge tone="ok">en cours</Badge>}</td>
        <td className="num">{s.end ? frNum(s.end.index) : "—"}</td>
        <td>
          {s.tags.length
            ? s.tags.map((t) => (
                <Badge key={t} tone="info">
                  {t}
                </Badge>
              ))
            : "—"}
        </td>
        <td>{actions}</td>
      </tr>
      <InlineFormRow colSpan={9}>{form}</InlineFormRow>
    </>
  );
}

function SubscriptionAction(props: RowFormProps<"moveOut" | "contest"> & { s: Subscription }) {
  const { s, mode } = props;
  const [draft, update, clear] = useDraft(`sub.${mode}.${s.id}`, {
    date: todayParis(),
    index: "",
    reason: "",
    proofDate: "",
    proofIndex: "",
  });
  const { busy, error, submit } = useCommand();
  const [done, setDone] = useState<CommandResult>();
  const path = `/api/subscriptions/${encodeURIComponent(s.id)}/${mode === "moveOut" ? "move-out" : "contests"}`;
  const body =
    mode === "moveOut"
      ? { date: draft.date, index: draft.index }
      : {
          reason: draft.reason,
          ...(draft.proofDate ? { proof: { date: draft.proofDate, index: draft.proofIndex || null } } : {}),
        };
  const onSubmit = submit((idempotencyKey) => api.post<CommandResult>(path, body, { idempotencyKey }), {
    onDone: (r) => {
      clear();
      setDone(r);
      if (mode === "moveOut") props.onDone();
    },
  });
  if (done) {
    return (
      <div className="banner ok" role="status">
        Contestation enregistrée ({done.contest}). <Link to="/contestations">Voir les contestations</Link>{" "}
        <button type="button" className="link" onClick={props.onDone}>
          Fermer
        </button>
      </div>
    );
  }
  return (
    <form
      className="inline-form"
      onSubmit={onSubmit}
      aria-label={mode === "moveOut" ? "Résilier l'abonnement" : "Enregistrer une contestation"}
    >
      {mode === "contest" && s.tags.includes("euros") && (
        <p className="banner info">
          Abonnement réalisé par le service des Euros : analysez et répondez au client vous-même, sans
          transfert. Un dossier INT vers EUROS ne s'ouvre que si une régularisation est nécessaire ou si le
          client conteste toujours.
        </p>
      )}
      <div className="row">
        {mode === "moveOut" ? (
          <DatedIndexFields
            dateLabel="Date de départ"
            indexLabel="Index de résiliation (m3)"
            value={draft}
            onChange={update}
            error={error}
          />
        ) : (
          <>
            <TextField
              label="Motif de la contestation"
              error={fieldError(error, "reason")}
              className="grow"
              value={draft.reason}
              onChange={(reason) => update({ reason })}
              autoFocus
            />
            <DateField
              label="Date du justificatif (facultatif)"
              error={fieldError(error, "proof.date")}
              value={draft.proofDate}
              onChange={(proofDate) => update({ proofDate })}
            />
            <IndexField
              label="Index du justificatif"
              error={fieldError(error, "proof.index")}
              value={draft.proofIndex}
              onChange={(proofIndex) => update({ proofIndex })}
            />
          </>
        )}
        <SaveOrCancel
          busy={busy}
          label={mode === "moveOut" ? "Enregistrer le départ" : "Enregistrer la contestation"}
          onCancel={props.onCancel}
        />
      </div>
      <FormError error={error} fields={["date", "index", "reason", "proof"]} />
    </form>
  );
}
