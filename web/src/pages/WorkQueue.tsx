/**
 * The work queue: every open case with what it waits for, by which team and since when, overdue first then
 * by due date (the server's order and its day). « Ma file »: the cases waiting on the advisor's team, or, for
 * a front office, those its entity opened (docs/decisions.md).
 */
import { qs } from "../api.ts";
import { CaseLink, ServicePointLink } from "../entities.tsx";
import { CASE_TYPE, frDate, frDay, label, TEAM, WAITING_FOR } from "../format.ts";
import { type Me, useMe } from "../session.ts";
import type { CaseList, CaseListItem } from "../types.ts";
import { AsyncList, Badge, EntityFilter, FilterSelect, ShownOf, useDraft, useGet } from "../ui.tsx";

interface Filters {
  entity: string;
  type: string;
  team: string;
}

/** « Ma file »: the back office and EUROS see what waits on their team; a front office what its entity opened. */
function myQueue(me: Me): Partial<Filters> | null {
  if (me.role === "BO") return { team: "BO", entity: "" };
  if (me.role === "EUROS") return { team: "EUROS", entity: "" };
  if (me.role === "FO") return { entity: me.entity, team: "" };
  return null;
}

export function WorkQueuePage() {
  const me = useMe();
  const mine = myQueue(me);
  const [f, update] = useDraft<Filters>("queue.filters", {
    entity: "",
    type: "",
    team: me.role === "EUROS" ? "EUROS" : "",
    ...(me.role === "EUROS" ? mine : {}),
  });
  const state = useGet<CaseList>(
    `/api/cases${qs({ queue: 1, entity: f.entity.trim(), type: f.type, team: f.team, limit: 200 })}`,
  );
  const isMine = mine !== null && Object.entries(mine).every(([k, v]) => f[k as keyof Filters] === v);
  return (
    <div className="page">
      <div className="page-head">
        <h1>File de travail</h1>
        <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filtres">
          <FilterSelect
            id="filter-team"
            label="À traiter par"
            labels={TEAM}
            all="toutes les équipes"
            value={f.team}
            onChange={(team) => update({ team })}
          />
          <EntityFilter value={f.entity} onChange={(entity) => update({ entity })} size={12} />
          <FilterSelect
            id="filter-type"
            label="Type de dossier"
            labels={CASE_TYPE}
            all="tous"
            value={f.type}
            onChange={(type) => update({ type })}
          />
          {mine && (
            <button
              type="button"
              className={isMine ? "small primary" : "ghost small"}
              aria-pressed={isMine}
              onClick={() => update(isMine ? { entity: "", team: "" } : mine)}
            >
              Ma file
            </button>
          )}
        </form>
      </div>
      <AsyncList
        state={state}
        what="Chargement de la file"
        empty="Aucun dossier ouvert pour ces filtres. Bonne nouvelle."
      >
        {(page) => {
          const overdue = page.overdue;
          return (
            <section className="panel">
              <header className="panel-head">
                <h2>
                  {page.total} dossier{page.total > 1 ? "s" : ""} ouvert{page.total > 1 ? "s" : ""}
                  {overdue > 0 && (
                    <>
                      {" "}
                      · <span className="bad-text">{overdue} en retard</span>
                    </>
                  )}
                </h2>
                <ShownOf
                  page={page}
                  rest="les plus urgents d'abord ; filtrez par entité ou par type de dossier pour voir les autres."
                />
              </header>
              <table className="grid queue">
                <thead>
                  <tr>
                    <th>Attend</th>
                    <th>Depuis le</th>
                    <th>Échéance</th>
                    <th>À traiter par</th>
                    <th>Dossier</th>
                    <th>Client</th>
                    <th>Point de desserte</th>
                    <th>Ouvert par</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((c) => (
                    <QueueRow key={c.id} c={c} />
                  ))}
                </tbody>
              </table>
            </section>
          );
        }}
      </AsyncList>
    </div>
  );
}

function QueueRow({ c }: { c: CaseListItem }) {
  const w = c.waiting;
  return (
    <tr className={w?.overdue ? "overdue" : ""} data-case={c.id}>
      <td>{w ? label(WAITING_FOR, w.what) : "—"}</td>
      <td>{w ? frDay(w.since) : "—"}</td>
      <td>
        {w?.due ? (
          <>
            {frDate(w.due)}{" "}
            {w.overdue ? (
              <Badge tone="bad">en retard</Badge>
            ) : w.dueSoon ? (
              <Badge tone="warn">J-{w.daysLeft}</Badge>
            ) : null}
          </>
        ) : (
          <span className="muted">sans échéance</span>
        )}
      </td>
      <td>{w ? label(TEAM, w.team) : "—"}</td>
      <td>
        <CaseLink id={c.id} /> <span className="muted small block">{label(CASE_TYPE, c.type)}</span>
      </td>
      <td>{c.party?.name ?? "—"}</td>
      <td>
        <ServicePointLink id={c.servicePoint.id} />{" "}
        <span className="muted small block">{c.servicePoint.address}</span>
      </td>
      <td>
        {c.entity} <span className="muted small block">le {frDay(c.createdAt)}</span>
      </td>
    </tr>
  );
}
