/**
 * The end of an occupancy, from the service point page of an occupied premises: « Résilier » (the occupant
 * leaves) and « Changement d'occupant » (R17: the leaving and the arriving occupants read the meter together).
 * Both check the index as typed against the history and ask once more before anything is recorded.
 */
import { type FormEvent, useState } from "react";
import { api } from "../api.ts";
import { FormError, useCommand } from "../command.tsx";
import { frDate, m3, todayParis } from "../format.ts";
import { type ReadingCheckState, SuspectIndex, useReadingCheck } from "../plausibility.tsx";
import type { CommandResult, ReadingCheck, ServicePointView, Subscription } from "../types.ts";
import { ConfirmStep, DatedIndexFields, fieldError, Section, TextField, useDraft } from "../ui.tsx";

/** The index typed for a handover, the server's verdict on it and the advisor's confirmation of a suspect one. */
function useCheckedIndex(
  servicePoint: string,
  draft: { date: string; index: string },
): {
  check: ReadingCheckState;
  suspect: ReadingCheck | null;
  indexOk: boolean;
  setConfirmedFor: (index: number | null) => void;
  /** The index as the server read what is typed (undefined before its answer). */
  index: number | undefined;
  /** The verdict on what is typed is in, and a suspect index is confirmed. */
  ready: boolean;
} {
  const check = useReadingCheck(servicePoint, draft.date, draft.index);
  const [confirmedFor, setConfirmedFor] = useState<number | null>(null);
  const suspect = check.verdict?.status === "SUSPECT" ? check.verdict : null;
  const indexOk = suspect === null || confirmedFor === check.verdict?.index;
  const ready = !check.pending && check.verdict !== undefined && indexOk;
  return { check, suspect, indexOk, setConfirmedFor, index: check.verdict?.index, ready };
}

/**
 * « Résilier »: the occupant's departure date and termination index, checked against the history as typed,
 * then asked once more (the index becomes the next occupant's reference) before it is recorded.
 */
export function MoveOutForm(props: {
  sp: ServicePointView;
  s: Subscription;
  onDone: (message: string) => void;
  onCancel: () => void;
}) {
  const { s } = props;
  const [draft, update, clear] = useDraft(`moveout.${s.id}`, { date: todayParis(), index: "" });
  const { check, suspect, indexOk, setConfirmedFor, index, ready } = useCheckedIndex(props.sp.id, draft);
  const [asking, setAsking] = useState(false);
  const { busy, error, run } = useCommand();
  const err = error ?? check.error;
  // Asked once more whatever the moment: the confirmation waits for the check's verdict on what is typed.
  const ask = (e: FormEvent) => {
    e.preventDefault();
    if (draft.index.trim() === "") return;
    setAsking(true);
  };
  const moveOut = () =>
    run(
      (idempotencyKey) =>
        api.post<CommandResult>(
          `/api/subscriptions/${encodeURIComponent(s.id)}/move-out`,
          { date: draft.date, index: draft.index.trim() },
          { idempotencyKey },
        ),
      {
        onDone: () => {
          clear();
          props.onDone(
            `Résiliation enregistrée : l'abonnement ${s.id} de ${s.party.name} a pris fin le ${frDate(draft.date)} à l'index ${
              index === undefined ? draft.index : m3(index)
            }. Le logement est vacant ; cet index servira de référence à la prochaine arrivée.`,
          );
        },
        onError: () => setAsking(false),
      },
    );
  return (
    <Section title={`Résilier l'abonnement de ${s.party.name}`}>
      <form className="inline-form" onSubmit={ask} aria-label="Résilier l'abonnement" noValidate>
        <div className="row">
          <DatedIndexFields
            dateLabel="Date de départ"
            indexLabel="Index de résiliation (m3)"
            value={draft}
            onChange={(patch) => {
              setAsking(false);
              update(patch);
            }}
            error={err}
          />
          {!asking && (
            <div className="row-buttons">
              <button type="submit" className="primary">
                Résilier l'abonnement
              </button>
              <button type="button" className="ghost" onClick={props.onCancel}>
                Annuler
              </button>
            </div>
          )}
        </div>
        {suspect && (
          <SuspectIndex
            id="moveout-confirmed"
            index={suspect.index}
            verdict={suspect}
            confirmLabel="Je confirme"
            confirmed={indexOk}
            onConfirm={(ok) => setConfirmedFor(ok ? suspect.index : null)}
            onUseSuggested={(i) => update({ index: String(i) })}
          />
        )}
        {asking && (
          <ConfirmStep
            testId="confirm-move-out"
            label="Confirmer la résiliation"
            pending={check.pending}
            back="Revenir à la saisie"
            disabled={busy || !ready}
            onConfirm={moveOut}
            onBack={() => setAsking(false)}
          >
            Résilier l'abonnement {s.id} de <strong>{s.party.name}</strong> au{" "}
            <strong>{frDate(draft.date)}</strong> à l'index{" "}
            <strong>{index === undefined ? draft.index.trim() : m3(index)}</strong> ? Cet index deviendra
            l'index de résiliation, la référence de la prochaine arrivée.
          </ConfirmStep>
        )}
        <FormError error={err} fields={["date", "index"]} />
      </form>
    </Section>
  );
}

interface MutationDraft {
  date: string;
  index: string;
  name: string;
  email: string;
  phone: string;
  address: string;
}

/** The newcomer's fields, in the order the server names them in its refusals. */
const MUTATION_FIELDS = [
  "date",
  "index",
  "customer.name",
  "customer.email",
  "customer.phone",
  "customer.address",
];

/**
 * « Changement d'occupant » (R17): the handover's date and index, read by both occupants, and the newcomer;
 * asked once more, then one command ends the current subscription and subscribes the newcomer at the same
 * date and index (no gap, no case) and sends the newcomer a written confirmation.
 */
export function MutationForm(props: {
  sp: ServicePointView;
  s: Subscription;
  onDone: (message: string) => void;
  onCancel: () => void;
}) {
  const { s, sp } = props;
  const [draft, update, clear] = useDraft<MutationDraft>(`mutation.${s.id}`, {
    date: todayParis(),
    index: "",
    name: "",
    email: "",
    phone: "",
    address: sp.address,
  });
  const { check, suspect, indexOk, setConfirmedFor, index, ready } = useCheckedIndex(sp.id, draft);
  const [asking, setAsking] = useState(false);
  const { busy, error, run } = useCommand();
  const err = error ?? check.error;
  const edit = (patch: Partial<MutationDraft>) => {
    setAsking(false);
    update(patch);
  };
  const ask = (e: FormEvent) => {
    e.preventDefault();
    if (draft.index.trim() === "" || draft.name.trim() === "") return;
    setAsking(true);
  };
  const shownIndex = index === undefined ? draft.index.trim() : m3(index);
  const newcomer = draft.name.trim();
  const handOver = () =>
    run(
      (idempotencyKey) =>
        api.post<CommandResult>(
          `/api/subscriptions/${encodeURIComponent(s.id)}/mutation`,
          {
            date: draft.date,
            index: draft.index.trim(),
            customer: {
              name: newcomer,
              email: draft.email.trim() || null,
              phone: draft.phone.trim() || null,
              address: draft.address.trim() || null,
            },
          },
          { idempotencyKey },
        ),
      {
        onDone: (r) => {
          clear();
          props.onDone(
            `Changement d'occupant enregistré : l'abonnement ${s.id} de ${s.party.name} a pris fin le ${frDate(draft.date)} à l'index ${shownIndex} ; ${newcomer} est abonné depuis cette date au même index (abonnement ${r.subscription ?? "—"}). Une confirmation écrite lui est envoyée.`,
          );
        },
        onError: () => setAsking(false),
      },
    );
  const fe = (...names: string[]) => fieldError(err, ...names);
  return (
    <Section title={`Changement d'occupant — ${s.party.name} part`}>
      <form className="inline-form" onSubmit={ask} aria-label="Changement d'occupant" noValidate>
        <div className="row">
          <DatedIndexFields
            dateLabel="Date du changement"
            indexLabel="Index relevé ensemble (m3)"
            value={draft}
            onChange={edit}
            error={err}
          />
        </div>
        <div className="row">
          <TextField
            label="Nom et prénom du nouvel occupant"
            error={fe("customer.name")}
            value={draft.name}
            onChange={(name) => edit({ name })}
            input={{ autoComplete: "off" }}
          />
          <TextField
            label="Courriel"
            error={fe("customer.email")}
            hint="Sans courriel, la confirmation part par la poste."
            value={draft.email}
            onChange={(email) => edit({ email })}
            input={{ type: "email", autoComplete: "off" }}
          />
          <TextField
            label="Téléphone"
            error={fe("customer.phone")}
            value={draft.phone}
            onChange={(phone) => edit({ phone })}
            input={{ type: "tel", autoComplete: "off" }}
          />
          <TextField
            label="Adresse postale"
            error={fe("customer.address")}
            value={draft.address}
            onChange={(address) => edit({ address })}
            input={{ autoComplete: "off" }}
          />
        </div>
        {suspect && index !== undefined && (
          <SuspectIndex
            id="mutation-confirmed"
            index={index}
            verdict={suspect}
            confirmLabel="Les deux occupants confirment"
            confirmed={indexOk}
            onConfirm={(ok) => setConfirmedFor(ok ? index : null)}
            onUseSuggested={(i) => edit({ index: String(i) })}
          />
        )}
        {!asking && (
          <div className="row-buttons">
            <button type="submit" className="primary">
              Changer d'occupant
            </button>
            <button type="button" className="ghost" onClick={props.onCancel}>
              Annuler
            </button>
          </div>
        )}
        {asking && (
          <ConfirmStep
            testId="confirm-mutation"
            label="Confirmer le changement d'occupant"
            pending={check.pending}
            back="Revenir à la saisie"
            disabled={busy || !ready}
            onConfirm={handOver}
            onBack={() => setAsking(false)}
          >
            L'abonnement {s.id} de <strong>{s.party.name}</strong> prend fin le{" "}
            <strong>{frDate(draft.date)}</strong> à l'index <strong>{shownIndex}</strong> et{" "}
            <strong>{newcomer}</strong> est abonné à la même date et au même index ? Aucun écart, aucun
            dossier : le nouvel occupant reçoit une confirmation écrite.
          </ConfirmStep>
        )}
        <FormError error={err} fields={MUTATION_FIELDS} />
      </form>
    </Section>
  );
}
