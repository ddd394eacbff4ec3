/** The service point page: meter, occupant, reading history laid out as advisors know it, occupants over time, cases. */
import { type FormEvent, type ReactNode, useState } from "react";
import { api } from "../api.ts";
import { IndexChart } from "../charts.tsx";
import { FormError, useCommand } from "../command.tsx";
import { CaseLink, CaseStatusBadge, servicePointPath } from "../entities.tsx";
import { CASE_TYPE, frDate, label, m3, todayParis } from "../format.ts";
import { SuspectIndex, useReadingCheck } from "../plausibility.tsx";
import { useMay } from "../session.ts";
import type { CommandResult, ServicePointView, Subscription } from "../types.ts";
import {
  Badge,
  DatedIndexFields,
  Empty,
  Facts,
  focusOnMount,
  Link,
  ResourcePage,
  Section,
  useDraft,
} from "../ui.tsx";
import { Occupants } from "./ServicePointOccupants.tsx";
import { ReadingHistory, RecordReadingForm } from "./ServicePointReadings.tsx";

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

type Panel = "reading" | "moveOut" | null;

function ServicePointBody({ sp, reload }: { sp: ServicePointView; reload: () => void }) {
  const mayMoveIn = useMay("moveIn");
  const mayMoveOut = useMay("moveOut");
  const mayRecord = useMay("recordReading");
  const [panel, setPanel] = useState<Panel>(null);
  const [movedOut, setMovedOut] = useState<string>();
  const toggle = (p: Panel) => {
    setMovedOut(undefined);
    setPanel(panel === p ? null : p);
  };
  const today = todayParis();
  const current = sp.subscriptions.find((s) => s.end === null);
  const suspects = sp.readings.filter((r) => r.status === "SUSPECT").length;
  const last = sp.readings
    .filter((r) => r.status !== "REPLACED")
    .reduce<(typeof sp.readings)[number] | undefined>((a, r) => (a && a.date >= r.date ? a : r), undefined);
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
        <div className="actions" data-testid="service-point-actions">
          {mayRecord && (
            <button type="button" onClick={() => toggle("reading")} aria-expanded={panel === "reading"}>
              Saisir un relevé
            </button>
          )}
          {current ? (
            <>
              {/* Occupied premises: the occupant leaves (« Résilier ») or hands over to a newcomer at one reading.
                  « Changement d'occupant » (R17, mutation) takes its place here, beside « Résilier ». */}
              {mayMoveOut && (
                <button
                  type="button"
                  className="primary"
                  onClick={() => toggle("moveOut")}
                  aria-expanded={panel === "moveOut"}
                >
                  Résilier
                </button>
              )}
            </>
          ) : (
            mayMoveIn && (
              <Link to={`${servicePointPath(sp.id)}/arrivee`} className="button primary">
                Nouvelle arrivée
              </Link>
            )
          )}
        </div>
      </div>
      {movedOut && (
        <div className="banner ok" role="status" data-testid="moved-out">
          <span>{movedOut}</span>
          {mayMoveIn && (
            <Link to={`${servicePointPath(sp.id)}/arrivee`} className="button small">
              Nouvelle arrivée
            </Link>
          )}
        </div>
      )}
      {panel === "moveOut" && current && (
        <MoveOutForm
          sp={sp}
          s={current}
          onDone={(message) => {
            setPanel(null);
            setMovedOut(message);
            reload();
          }}
          onCancel={() => setPanel(null)}
        />
      )}
      {panel === "reading" && (
        <RecordReadingForm
          sp={sp}
          onDone={() => {
            setPanel(null);
            reload();
          }}
          onCancel={() => setPanel(null)}
        />
      )}
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
                current ? "Occupant" : "Occupation",
                current ? (
                  <span key="c" data-testid="occupant">
                    <strong>{current.party.name}</strong>{" "}
                    <span className="muted">
                      abonné depuis le {frDate(current.start.date)} ({m3(current.start.index)}) · {current.id}
                    </span>
                  </span>
                ) : (
                  <Badge key="v" tone="warn">
                    Vacant
                  </Badge>
                ),
              ],
              // The predecessor's termination matters to the next move-in, so only while the premises are vacant.
              ...(current
                ? ([["Dernier relevé", last ? `${m3(last.index)} au ${frDate(last.date)}` : "—"]] as Array<
                    [string, ReactNode]
                  >)
                : ([
                    [
                      "Index de résiliation",
                      sp.termination ? (
                        <span key="t">
                          <strong>{m3(sp.termination.index)}</strong> au {frDate(sp.termination.date)}{" "}
                          <span className="muted">
                            {sp.termination.source === "SUBSCRIPTION"
                              ? "(ancien occupant)"
                              : "(dernier relevé valide)"}
                          </span>
                        </span>
                      ) : (
                        "—"
                      ),
                    ],
                  ] as Array<[string, ReactNode]>)),
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

/**
 * « Résilier »: the occupant's departure date and termination index, checked against the history as typed,
 * then asked once more (the index becomes the next occupant's reference) before it is recorded.
 */
function MoveOutForm(props: {
  sp: ServicePointView;
  s: Subscription;
  onDone: (message: string) => void;
  onCancel: () => void;
}) {
  const { s } = props;
  const [draft, update, clear] = useDraft(`moveout.${s.id}`, { date: todayParis(), index: "" });
  const check = useReadingCheck(props.sp.id, draft.date, draft.index);
  const [confirmedFor, setConfirmedFor] = useState<number | null>(null);
  const [asking, setAsking] = useState(false);
  const suspect = check.verdict?.status === "SUSPECT" ? check.verdict : null;
  const indexOk = suspect === null || confirmedFor === suspect.index;
  const { busy, error, run } = useCommand();
  const err = error ?? check.error;
  const index = check.verdict?.index;
  // Asked once more whatever the moment: the confirmation waits for the check's verdict on what is typed.
  const ask = (e: FormEvent) => {
    e.preventDefault();
    if (draft.index.trim() === "") return;
    setAsking(true);
  };
  const ready = !check.pending && check.verdict !== undefined && indexOk;
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
          <div
            className="confirm"
            data-testid="confirm-move-out"
            role="alertdialog"
            aria-label="Confirmer la résiliation"
          >
            <p>
              Résilier l'abonnement {s.id} de <strong>{s.party.name}</strong> au{" "}
              <strong>{frDate(draft.date)}</strong> à l'index{" "}
              <strong>{index === undefined ? draft.index.trim() : m3(index)}</strong> ? Cet index deviendra
              l'index de résiliation, la référence de la prochaine arrivée.
            </p>
            <div className="row-buttons">
              <button
                type="button"
                className="primary"
                disabled={busy || !ready}
                onClick={moveOut}
                ref={focusOnMount}
              >
                {check.pending ? "Vérification…" : "Confirmer la résiliation"}
              </button>
              <button type="button" className="ghost" onClick={() => setAsking(false)}>
                Revenir à la saisie
              </button>
            </div>
          </div>
        )}
        <FormError error={err} fields={["date", "index"]} />
      </form>
    </Section>
  );
}
