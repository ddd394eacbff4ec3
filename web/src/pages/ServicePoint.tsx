/** The service point page: meter, occupant, reading history laid out as advisors know it, occupants over time, cases. */
import { type ReactNode, useState } from "react";
import { IndexChart } from "../charts.tsx";
import { CaseLink, CaseStatusBadge, servicePointPath } from "../entities.tsx";
import { CASE_TYPE, frDate, label, m3, todayParis } from "../format.ts";
import { useMay } from "../session.ts";
import type { ServicePointView } from "../types.ts";
import { Badge, Empty, Facts, Link, ResourcePage, Section } from "../ui.tsx";
import { MoveOutForm, MutationForm } from "./ServicePointHandover.tsx";
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

type Panel = "reading" | "moveOut" | "mutation" | null;

function ServicePointBody({ sp, reload }: { sp: ServicePointView; reload: () => void }) {
  const mayMoveIn = useMay("moveIn");
  const mayMoveOut = useMay("moveOut");
  const mayMutation = useMay("mutation");
  const mayRecord = useMay("recordReading");
  const [panel, setPanel] = useState<Panel>(null);
  const [movedOut, setMovedOut] = useState<string>();
  const [handedOver, setHandedOver] = useState<string>();
  const toggle = (p: Panel) => {
    setMovedOut(undefined);
    setHandedOver(undefined);
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
              {/* Occupied premises: the occupant hands over to a newcomer at one reading (R17) or leaves. */}
              {mayMutation && (
                <button
                  type="button"
                  className="primary"
                  onClick={() => toggle("mutation")}
                  aria-expanded={panel === "mutation"}
                >
                  Changement d'occupant
                </button>
              )}
              {mayMoveOut && (
                <button type="button" onClick={() => toggle("moveOut")} aria-expanded={panel === "moveOut"}>
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
      {handedOver && (
        <div className="banner ok" role="status" data-testid="handed-over">
          <span>{handedOver}</span>
        </div>
      )}
      {panel === "mutation" && current && (
        <MutationForm
          sp={sp}
          s={current}
          onDone={(message) => {
            setPanel(null);
            setHandedOver(message);
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
