/** The service point's reading history as the procedure lays it out, its corrections, and « Saisir un relevé ». */
import { type FormEvent, type ReactNode, useEffect, useState } from "react";
import { api } from "../api.ts";
import { FormError, SaveOrCancel, useCommand } from "../command.tsx";
import { frDate, frNum, label, m3, READING_STATUS, READING_TYPE, todayParis } from "../format.ts";
import { SuspectIndex, useReadingCheck } from "../plausibility.tsx";
import { ActionsHeader, InlineFormRow, type RowFormProps, useRowForm } from "../rows.tsx";
import { useMay } from "../session.ts";
import type { CommandResult, Reading, ServicePointView } from "../types.ts";
import {
  Badge,
  CodeSelect,
  DatedIndexFields,
  Empty,
  Field,
  fieldError,
  IndexField,
  Section,
  TextField,
  useDraft,
} from "../ui.tsx";

/** The reading types an advisor may type, in the order offered. */
const TYPED_READINGS = ["CUSTOMER", "NORMAL", "ESTIMATE"] as const;

/** The source document's table: date, usage, expected usage, expected index range, index, type, status. */
export function ReadingHistory({ readings, onChanged }: { readings: Reading[]; onChanged: () => void }) {
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
        ? `Saisie incohérente : ${frNum(r.index)} saisi au lieu de ${frNum(r.suggestedIndex)} (seuls les m3 doivent être saisis)`
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
          ? `Le relevé du ${frDate(r.date)} (${m3(r.index)}) reste dans l'historique, marqué « remplacé ».`
          : `Le relevé du ${frDate(r.date)} (${m3(r.index)}) est réel (fuite, piscine…) : il devient valide.`}
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

/** « Saisir un relevé »: the server's verdict as the advisor types; a suspect index is saved only once confirmed. */
export function RecordReadingForm(props: { sp: ServicePointView; onDone: () => void; onCancel: () => void }) {
  const [draft, update, clear] = useDraft(`reading.${props.sp.id}`, {
    date: todayParis(),
    index: "",
    type: "CUSTOMER",
  });
  const check = useReadingCheck(props.sp.id, draft.date, draft.index);
  const [confirmedFor, setConfirmedFor] = useState<number | null>(null);
  const suspect = check.verdict?.status === "SUSPECT" ? check.verdict : null;
  const confirmed = suspect === null || confirmedFor === suspect.index;
  const { busy, error, run, renewKey } = useCommand();
  // Enter pressed while the check is on its way: saved (or stopped at the warning) once it answers.
  const [waiting, setWaiting] = useState(false);
  const save = () => {
    setWaiting(false);
    if (check.error) return;
    if (!confirmed) {
      document.getElementById("reading-confirmed")?.focus();
      return;
    }
    void run(
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
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (check.pending) setWaiting(true);
    else save();
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the verdict a waiting save needs arrives
  useEffect(() => {
    if (waiting && !check.pending) save();
  }, [waiting, check.pending]);
  const err = error ?? check.error;
  return (
    <Section title="Saisir un relevé">
      <form className="inline-form" onSubmit={onSubmit} aria-label="Saisir un relevé">
        <div className="row">
          <DatedIndexFields
            dateLabel="Date du relevé"
            indexLabel="Index (m3 entiers)"
            value={draft}
            onChange={update}
            error={err}
          />
          <Field label="Type de relevé" error={fieldError(err, "type")}>
            {(id, d) => (
              // Télérelève comes only from the meters' feed (R14): not typed by an advisor.
              <CodeSelect
                id={id}
                describedBy={d}
                labels={READING_TYPE}
                codes={TYPED_READINGS}
                value={draft.type}
                onChange={(type) => update({ type })}
              />
            )}
          </Field>
          <SaveOrCancel busy={busy} disabled={!confirmed} label="Enregistrer" onCancel={props.onCancel} />
        </div>
        {suspect && (
          <SuspectIndex
            id="reading-confirmed"
            index={suspect.index}
            verdict={suspect}
            confirmLabel="Je confirme"
            confirmed={confirmed}
            onConfirm={(ok) => setConfirmedFor(ok ? suspect.index : null)}
            onUseSuggested={(i) => update({ index: String(i) })}
          />
        )}
        <FormError error={err} fields={["date", "index", "type"]} />
      </form>
    </Section>
  );
}
