/** Parts of the case page: the reminder of a proof request, the contest of an INT_EUROS case, comments, the timeline. */
import type { ReactNode } from "react";
import { api } from "../api.ts";
import { FormError, useCommand } from "../command.tsx";
import { MessageStatusBadge, messageTone } from "../entities.tsx";
import {
  CHANNEL,
  CONTEST_STATUS,
  frDate,
  frDay,
  label,
  m3,
  PROOF_KIND,
  PROOF_STATUS,
  TASK_KIND,
  TASK_STATUS,
  TEMPLATE,
  todayParis,
  withGroupedM3,
} from "../format.ts";
import { useMay, useMe } from "../session.ts";
import type { CaseView, CommandResult } from "../types.ts";
import {
  Badge,
  CheckLine,
  ConfirmStep,
  DateField,
  Empty,
  Facts,
  fieldError,
  IndexField,
  Link,
  TextAreaField,
  type Tone,
  useDraft,
} from "../ui.tsx";

/** « Relancer le client »: when and how the proof was asked for, and that the deadline stays. */
export function ReminderConfirm(props: {
  c: CaseView;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { c } = props;
  const task = c.tasks.find((t) => t.kind === "AWAIT_PROOF" && t.status === "OPEN");
  const last = c.communications.filter((m) => m.template === "PROOF_REQUEST").at(-1);
  return (
    <ConfirmStep
      testId="confirm-reminder"
      label="Relancer le client"
      confirm="Envoyer la relance"
      disabled={props.busy}
      onConfirm={props.onConfirm}
      onBack={props.onCancel}
    >
      Un justificatif a déjà été demandé
      {last ? ` le ${frDay(last.createdAt)} (${label(CHANNEL, last.channel).toLowerCase()})` : ""}. Ce nouvel
      envoi est une <strong>relance</strong> de la même demande :{" "}
      {task ? (
        <>
          l'échéance reste le <strong>{frDate(task.due)}</strong>.
        </>
      ) : (
        "le serveur fixera l'échéance."
      )}
      {task?.overdue && (
        <>
          <br />
          <span data-testid="reminder-overdue">
            Cette échéance est <strong>passée</strong> : au prochain passage de l'échéancier, sans
            justificatif, l'abonnement se fera à l'index de résiliation du prédécesseur.
          </span>
        </>
      )}
    </ConfirmStep>
  );
}

/** The contest an INT_EUROS case was opened on: the customer's words, then the back office's answer. */
export function ContestFacts({ k }: { k: NonNullable<CaseView["contestDetail"]> }) {
  return (
    <div className="contest-facts" data-testid="contest-facts">
      <h3>Contestation {k.id}</h3>
      <Facts
        items={[
          [
            "Le client conteste",
            <span key="r">
              « {k.reason} »{" "}
              <span className="muted small">
                le {frDay(k.createdAt)} ({k.entity})
              </span>
            </span>,
          ],
          [
            "Justificatif joint",
            k.proof
              ? `${k.proof.date ? frDate(k.proof.date) : "sans date"}, ${k.proof.index === null ? "sans index" : m3(k.proof.index)}`
              : "aucun",
          ],
          [
            "Réponse du back office",
            k.answer ? (
              <span key="a">
                « {k.answer} » <span className="muted small">le {frDay(k.answeredAt)}</span>
              </span>
            ) : (
              "pas encore de réponse"
            ),
          ],
          ["État", label(CONTEST_STATUS, k.status)],
        ]}
      />
    </div>
  );
}

/** « Ajouter un commentaire » under the timeline: open cases, for whoever may work them (EUROS: INT_EUROS only). */
export function CommentForm({ c, onDone }: { c: CaseView; onDone: (r: string) => void }) {
  const me = useMe();
  const may = useMay("addComment") && c.status === "OPEN" && (me.role !== "EUROS" || c.type === "INT_EUROS");
  const [d, update, clear] = useDraft(`comment.${c.id}`, { body: "" });
  const { busy, error: err, submit, renewKey } = useCommand();
  if (!may) return null;
  const onSubmit = submit(
    (key) => api.post(`/api/cases/${encodeURIComponent(c.id)}/comments`, d, { idempotencyKey: key }),
    {
      onDone: () => {
        clear();
        renewKey();
        onDone("Commentaire ajouté au dossier.");
      },
    },
  );
  return (
    <form className="inline-form" onSubmit={onSubmit} aria-label="Ajouter un commentaire">
      <TextAreaField
        label="Ajouter un commentaire"
        error={fieldError(err, "body")}
        rows={3}
        value={d.body}
        onChange={(body) => update({ body })}
      />
      <div className="form-buttons">
        <button type="submit" className="primary" disabled={busy || d.body.trim() === ""}>
          {busy ? "Enregistrement…" : "Ajouter le commentaire"}
        </button>
      </div>
      <FormError error={err} fields={["body"]} />
    </form>
  );
}

/* ---------------- timeline ---------------- */

interface Entry {
  at: string;
  kind: "comment" | "proof" | "message" | "intervention" | "task";
  title: string;
  body: ReactNode;
  who?: string;
  tone?: Tone;
}

export function Timeline({ c }: { c: CaseView }) {
  const me = useMe();
  const entries: Entry[] = [];
  for (const m of c.comments)
    entries.push({
      at: m.at,
      kind: "comment",
      title: "Commentaire",
      body: <p className="comment">{withGroupedM3(m.body)}</p>,
      who: `${m.author} (${m.entity})`,
    });
  for (const p of c.proofs) {
    const tone: Tone = p.status === "REFUSED" ? "bad" : p.status === "ACCEPTED" ? "ok" : "info";
    entries.push({
      at: p.receivedAt,
      kind: "proof",
      title: `Justificatif — ${label(PROOF_KIND, p.kind)}`,
      tone,
      who: p.receivedBy,
      body: (
        <div>
          <Badge tone={tone}>{label(PROOF_STATUS, p.status)}</Badge> date {frDate(p.date)}, index{" "}
          {p.index === null ? "non indiqué" : m3(p.index)}, matricule {p.meterSerial ?? "—"}
          {p.prescriptionInvoked ? ", prescription invoquée" : ""}
          {p.refusal && <div className="bad-text">Refusé : {p.refusal.reason ?? p.refusal.code}</div>}
          {p.file && (
            <div>
              <a href={`/api/proofs/${encodeURIComponent(p.id)}/file`} target="_blank" rel="noreferrer">
                {p.file.name ?? "document"}
              </a>{" "}
              <span className="muted small">{p.file.size ? `${Math.ceil(p.file.size / 1024)} Ko` : ""}</span>
            </div>
          )}
        </div>
      ),
    });
  }
  for (const m of c.communications) {
    entries.push({
      at: m.createdAt,
      kind: "message",
      title: `${label(CHANNEL, m.channel)} — ${label(TEMPLATE, m.template)}`,
      tone: messageTone(m.status),
      body: (
        <span>
          <MessageStatusBadge status={m.status} />
          {m.sentAt ? ` le ${frDate(m.sentAt)}` : ""} ·{" "}
          <Link to={`/courriers?id=${encodeURIComponent(m.id)}`}>aperçu</Link>
        </span>
      ),
    });
  }
  for (const v of c.interventions) {
    entries.push({
      at: v.createdAt,
      kind: "intervention",
      title: "Intervention — remise en eau",
      tone: v.status === "DONE" ? "ok" : "warn",
      body: v.reported
        ? `Relevé du technicien : ${m3(v.reported.index)} le ${frDate(v.reported.date)}`
        : "Planifiée, en attente du passage du technicien.",
    });
  }
  for (const t of c.tasks) {
    entries.push({
      at: t.createdAt,
      kind: "task",
      title: `Tâche — ${label(TASK_KIND, t.kind)}`,
      tone: t.status === "OPEN" ? (t.overdue ? "bad" : "warn") : "muted",
      body: (
        <span>
          échéance {frDate(t.due)} ·{" "}
          <Badge tone={t.status === "OPEN" ? "warn" : "muted"}>{label(TASK_STATUS, t.status)}</Badge>
          {t.closedAt ? ` le ${frDate(t.closedAt)}${t.closedBy ? ` par ${t.closedBy}` : ""}` : ""}
        </span>
      ),
    });
  }
  if (c.closedAt) {
    entries.push({
      at: c.closedAt,
      kind: "task",
      title: "Dossier clôturé",
      tone: "muted",
      who: c.closedBy ?? undefined,
      body: "",
    });
  }
  // Stable sort: entries of the same instant keep the order above (comments, proofs, messages…).
  entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  if (entries.length === 0) return <Empty>Rien encore dans ce dossier.</Empty>;
  return (
    <ol
      className="timeline"
      data-testid="timeline"
      aria-label={`Historique du dossier, vu par ${me.username}`}
    >
      {entries.map((e, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: entries have no shared id space
        <li key={i} className={`tl-${e.kind} ${e.tone ?? ""}`}>
          <div className="tl-when">{frDate(e.at)}</div>
          <div className="tl-what">
            <div className="tl-title">
              {e.title}
              {e.who && <span className="muted small"> · {e.who}</span>}
            </div>
            <div className="tl-body">{e.body}</div>
          </div>
        </li>
      ))}
    </ol>
  );
}

/** A command on the case (POST /api/cases/:id/<action>). */
export const caseCommand = (c: CaseView, action: string, body: object, idempotencyKey: string) =>
  api.post<CommandResult>(`/api/cases/${encodeURIComponent(c.id)}/${action}`, body, { idempotencyKey });

/**
 * « Régulariser et clôturer » (EUROS, INT_EUROS): the regularisation done, in a comment; with « Régulariser
 * le début de l'abonnement », the start's date and index too (R12: the subscription then starts there).
 */
export function CloseForm({ c, onDone }: { c: CaseView; onDone: (r: CommandResult) => void }) {
  const proof = c.regularization?.proof;
  const [d, update, clear] = useDraft(`close.${c.id}`, {
    comment: "",
    withStart: false,
    date: proof?.date ?? "",
    index: proof?.index == null ? "" : String(proof.index),
  });
  const { busy, error: err, submit } = useCommand();
  const body = () =>
    d.withStart
      ? { comment: d.comment, start: { date: d.date, index: d.index.trim() } }
      : { comment: d.comment };
  const onSubmit = submit((key) => caseCommand(c, "close-regularization", body(), key), {
    onDone: (r) => {
      clear();
      onDone(r);
    },
  });
  const startError = fieldError(err, "start", "start.date", "start.index");
  return (
    <form className="inline-form" onSubmit={onSubmit} aria-label="Clôturer la régularisation">
      <TextAreaField
        label="Régularisation effectuée (commentaire)"
        error={fieldError(err, "comment") ?? (err && !err.field ? err.message : undefined)}
        rows={3}
        value={d.comment}
        onChange={(comment) => update({ comment })}
        autoFocus
      />
      {c.subscription && (
        <CheckLine
          id={`close-start-${c.id}`}
          label={`Régulariser le début de l'abonnement ${c.subscription.id} (aujourd'hui : ${frDate(c.subscription.start.date)}, ${m3(c.subscription.start.index)})`}
          checked={d.withStart}
          onChange={(withStart) => update({ withStart })}
        />
      )}
      {d.withStart && (
        <div className="grid2">
          <DateField
            label="Nouvelle date de début"
            error={fieldError(err, "start.date") ?? startError}
            max={todayParis()}
            value={d.date}
            onChange={(date) => update({ date })}
          />
          <IndexField
            label="Index de début (m3)"
            error={fieldError(err, "start.index")}
            value={d.index}
            onChange={(index) => update({ index })}
          />
        </div>
      )}
      <div className="form-buttons">
        <button type="submit" className="primary" disabled={busy}>
          {d.withStart ? "Régulariser le début et clôturer" : "Clôturer le dossier"}
        </button>
      </div>
    </form>
  );
}
