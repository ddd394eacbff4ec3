/** The back-office work queue: open cases by their task's due date, overdue first; filters by entity and type. */
import { qs } from "../api.ts";
import { CaseLink, ServicePointLink } from "../entities.tsx";
import { CASE_TYPE, daysBetween, frDate, label, TASK_KIND, todayParis } from "../format.ts";
import { useMe } from "../session.ts";
import type { CaseListItem, Page } from "../types.ts";
import { AsyncList, Badge, EntityFilter, useDraft, useGet } from "../ui.tsx";

export function WorkQueuePage() {
  const me = useMe();
  const [f, update] = useDraft("queue.filters", {
    entity: "",
    type: me.role === "EUROS" ? "INT_EUROS" : "",
  });
  const state = useGet<Page<CaseListItem>>(
    `/api/cases${qs({ queue: 1, entity: f.entity.trim(), type: f.type, limit: 200 })}`,
  );
  const today = todayParis();
  return (
    <div className="page">
      <div className="page-head">
        <h1>File de travail</h1>
        <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filtres">
          <EntityFilter value={f.entity} onChange={(entity) => update({ entity })} size={12} />
          <label>
            Type de dossier
            <select value={f.type} onChange={(e) => update({ type: e.target.value })}>
              <option value="">tous</option>
              <option value="ARR_SPECIAL">ARR Cas Particuliers</option>
              <option value="ARR_INTERVENTION">ARR avec intervention</option>
              <option value="INT_EUROS">INT vers EUROS</option>
            </select>
          </label>
          <button type="button" className="ghost small" onClick={() => update({ entity: me.entity })}>
            Mon entité
          </button>
        </form>
      </div>
      <AsyncList
        state={state}
        what="Chargement de la file"
        empty="Aucun dossier ouvert pour ces filtres. Bonne nouvelle."
      >
        {(page) => {
          // Overdue first, then by due date; cases without a task last.
          const rows = [...page.items].sort((a, b) => {
            const da = a.nextTask?.due ?? "9999-12-31";
            const db = b.nextTask?.due ?? "9999-12-31";
            const oa = da < today ? 0 : 1;
            const ob = db < today ? 0 : 1;
            return oa - ob || (da < db ? -1 : da > db ? 1 : a.createdAt < b.createdAt ? -1 : 1);
          });
          const overdue = rows.filter((c) => c.nextTask && c.nextTask.due < today).length;
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
              </header>
              <table className="grid queue">
                <thead>
                  <tr>
                    <th>Échéance</th>
                    <th>Tâche</th>
                    <th>Dossier</th>
                    <th>Type</th>
                    <th>Client</th>
                    <th>Point de desserte</th>
                    <th>Entité</th>
                    <th>Ouvert le</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((c) => {
                    const due = c.nextTask?.due;
                    const late = due !== undefined && due < today;
                    const left = due ? daysBetween(today, due) : null;
                    return (
                      <tr key={c.id} className={late ? "overdue" : ""}>
                        <td>
                          {due ? (
                            <>
                              {frDate(due)}{" "}
                              {late ? (
                                <Badge tone="bad">en retard</Badge>
                              ) : left !== null && left <= 3 ? (
                                <Badge tone="warn">J-{left}</Badge>
                              ) : null}
                            </>
                          ) : (
                            <span className="muted">—</span>
                          )}
                        </td>
                        <td>
                          {c.nextTask ? (
                            label(TASK_KIND, c.nextTask.kind)
                          ) : (
                            <span className="muted">aucune</span>
                          )}
                        </td>
                        <td>
                          <CaseLink id={c.id} />
                        </td>
                        <td>{label(CASE_TYPE, c.type)}</td>
                        <td>{c.party?.name ?? "—"}</td>
                        <td>
                          <ServicePointLink id={c.servicePoint.id} />{" "}
                          <span className="muted">{c.servicePoint.address}</span>
                        </td>
                        <td>{c.entity}</td>
                        <td>{frDate(c.createdAt)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </section>
          );
        }}
      </AsyncList>
    </div>
  );
}
