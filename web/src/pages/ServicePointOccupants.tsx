/** The service point's occupants over time, and a contest of one of their subscriptions. */
import { type ReactNode, useState } from "react";
import { api } from "../api.ts";
import { FormError, SaveOrCancel, useCommand } from "../command.tsx";
import { CaseLink } from "../entities.tsx";
import { frDate, frNum, label, START_SOURCE } from "../format.ts";
import { ActionsHeader, InlineFormRow, type RowFormProps, useRowForm } from "../rows.tsx";
import { useMay } from "../session.ts";
import type { CommandResult, Subscription } from "../types.ts";
import { Badge, DateField, Empty, fieldError, IndexField, Link, TextField, useDraft } from "../ui.tsx";

/** Every subscription of the premises, newest last; a contest is recorded from its row (the move-out is the page's action). */
export function Occupants({ subs, onChanged }: { subs: Subscription[]; onChanged: () => void }) {
  const mayContest = useMay("contest");
  const rows = useRowForm<"contest">(onChanged);
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
                  {mayContest && (
                    <button type="button" className="small ghost" onClick={() => rows.open(s.id, "contest")}>
                      Contestation
                    </button>
                  )}
                </div>
              }
              form={mode ? <ContestForm s={s} mode={mode} onDone={rows.done} onCancel={rows.close} /> : null}
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

/** A contest of a subscription (R11), with the proof the customer gives, if any. */
function ContestForm(props: RowFormProps<"contest"> & { s: Subscription }) {
  const { s } = props;
  const [draft, update, clear] = useDraft(`sub.contest.${s.id}`, {
    reason: "",
    proofDate: "",
    proofIndex: "",
  });
  const { busy, error, submit } = useCommand();
  const [done, setDone] = useState<CommandResult>();
  const body = {
    reason: draft.reason,
    ...(draft.proofDate ? { proof: { date: draft.proofDate, index: draft.proofIndex || null } } : {}),
  };
  const onSubmit = submit(
    (idempotencyKey) =>
      api.post<CommandResult>(`/api/subscriptions/${encodeURIComponent(s.id)}/contests`, body, {
        idempotencyKey,
      }),
    {
      onDone: (r) => {
        clear();
        setDone(r);
      },
    },
  );
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
    <form className="inline-form" onSubmit={onSubmit} aria-label="Enregistrer une contestation">
      {s.tags.includes("euros") && (
        <p className="banner info">
          Abonnement réalisé par le service des Euros : analysez et répondez au client vous-même, sans
          transfert. Un dossier INT vers EUROS ne s'ouvre que si une régularisation est nécessaire ou si le
          client conteste toujours.
        </p>
      )}
      <div className="row">
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
        <SaveOrCancel busy={busy} label="Enregistrer la contestation" onCancel={props.onCancel} />
      </div>
      <FormError error={error} fields={["reason", "proof"]} />
    </form>
  );
}
