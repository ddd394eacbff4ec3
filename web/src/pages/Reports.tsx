/** R13 Pilotage: cases by entity, new customers, intermediate consumption; charts and CSV export. */
import { qs } from "../api.ts";
import { BarChart } from "../charts.tsx";
import { CaseLink, ServicePointLink } from "../entities.tsx";
import { CASE_STATUS, CASE_TYPE, frDate, frNum, label, m3, START_SOURCE, todayParis } from "../format.ts";
import type { CasesByEntity, IntermediateConsumption, NewCustomers, ReportsFreshness } from "../types.ts";
import { AsyncList, EntityFilter, Section, useDraft, useGet } from "../ui.tsx";

const TYPE_COLORS: Record<string, string> = {
  ARR_SPECIAL: "#3b6ea8",
  ARR_INTERVENTION: "#6c9bd2",
  INT_EUROS: "#c0843b",
};

function CsvLink({ report, filters }: { report: string; filters: Record<string, string> }) {
  return (
    <a
      className="button small"
      href={`/api/reports/${report}.csv${qs(filters)}`}
      download
      data-testid={`csv-${report}`}
    >
      Exporter en CSV
    </a>
  );
}

/** The current month in Paris, first and last day (the reports' default period). */
function currentMonth(): { from: string; to: string } {
  const today = todayParis();
  const [y, m] = today.split("-").map(Number) as [number, number];
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${today.slice(0, 8)}01`, to: `${today.slice(0, 8)}${String(last).padStart(2, "0")}` };
}

/** Says when the figures come from the read replica, and how far behind it is. */
function FreshnessNote() {
  const { data } = useGet<ReportsFreshness>("/api/reports/freshness");
  if (data?.source !== "replica") return null;
  const lag = data.lagSeconds;
  return (
    <p className="muted small" data-testid="reports-freshness" role="status">
      Chiffres lus sur le réplica de lecture :{" "}
      {lag === null
        ? "retard inconnu"
        : lag < 1
          ? "à jour"
          : `${frNum(Math.round(lag))} s de retard sur la base principale`}
      .
    </p>
  );
}

export function ReportsPage() {
  const [f, update] = useDraft("reports.period", { ...currentMonth(), entity: "" });
  const filters = { from: f.from, to: f.to, entity: f.entity.trim() };
  const cases = useGet<CasesByEntity>(`/api/reports/cases-by-entity${qs(filters)}`);
  const customers = useGet<NewCustomers>(`/api/reports/new-customers${qs({ ...filters, limit: 100 })}`);
  const inter = useGet<IntermediateConsumption>(
    `/api/reports/intermediate-consumption${qs({ ...filters, limit: 100 })}`,
  );
  return (
    <div className="page">
      <div className="page-head">
        <h1>Pilotage</h1>
        <FreshnessNote />
        <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Période et entité">
          <label>
            Du
            <input type="date" value={f.from} onChange={(e) => update({ from: e.target.value })} />
          </label>
          <label>
            Au
            <input type="date" value={f.to} onChange={(e) => update({ to: e.target.value })} />
          </label>
          <EntityFilter value={f.entity} onChange={(entity) => update({ entity })} size={10} />
          <button type="button" className="ghost small" onClick={() => update(currentMonth())}>
            Mois en cours
          </button>
          <button type="button" className="ghost small" onClick={() => update({ from: "", to: "" })}>
            Depuis le début
          </button>
        </form>
      </div>
      <Section
        title="Consommation intermédiaire (clients intermédiaires)"
        actions={<CsvLink report="intermediate-consumption" filters={filters} />}
      >
        <AsyncList
          state={inter}
          what="Chargement"
          empty="Aucune consommation entre occupants sur la période."
        >
          {(p) => (
            <>
              <p className="kpi">
                <strong data-testid="unbilled-volume">{m3(p.volume)}</strong> non facturés sur{" "}
                {frNum(p.total)} point{p.total > 1 ? "s" : ""} de desserte
                {p.total > p.items.length && (
                  <span className="muted small">
                    {" "}
                    ({p.items.length} premiers ci-dessous, tous dans l'export CSV)
                  </span>
                )}
              </p>
              <BarChart
                title="Volume non facturé par point de desserte"
                rows={p.items.slice(0, 12).map((r) => ({ label: r.servicePoint, values: { v: r.volume } }))}
                series={[{ key: "v", label: "m3 non facturés", color: "#c0843b" }]}
              />
              <table className="grid">
                <thead>
                  <tr>
                    <th>PDS</th>
                    <th>Adresse</th>
                    <th>Propriétaire</th>
                    <th>Résiliation prédécesseur</th>
                    <th>Début nouvel abonnement</th>
                    <th className="num">Volume</th>
                    <th>Période</th>
                    <th>Dossier</th>
                  </tr>
                </thead>
                <tbody>
                  {p.items.map((r) => (
                    <tr key={r.case}>
                      <td>
                        <ServicePointLink id={r.servicePoint} />
                      </td>
                      <td>{r.address}</td>
                      <td>{r.owner ?? "—"}</td>
                      <td>
                        {frDate(r.predecessorTermination.date)} · {m3(r.predecessorTermination.index)}
                      </td>
                      <td>
                        {frDate(r.newStart.date)} · {m3(r.newStart.index)}
                      </td>
                      <td className="num strong">{m3(r.volume)}</td>
                      <td>
                        {frDate(r.from)} → {frDate(r.to)}
                      </td>
                      <td>
                        <CaseLink id={r.case} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </AsyncList>
      </Section>
      <div className="cols">
        <Section
          title="Dossiers créés par entité"
          actions={<CsvLink report="cases-by-entity" filters={filters} />}
        >
          <AsyncList state={cases} what="Chargement" empty="Aucun dossier sur la période.">
            {(r) => {
              const byEntity = new Map<string, Record<string, number>>();
              for (const row of r.items) {
                const v = byEntity.get(row.entity) ?? {};
                v[row.type] = (v[row.type] ?? 0) + row.count;
                byEntity.set(row.entity, v);
              }
              return (
                <>
                  <BarChart
                    title="Dossiers créés par entité et type"
                    rows={[...byEntity].map(([entity, values]) => ({ label: entity, values }))}
                    series={Object.keys(TYPE_COLORS).map((k) => ({
                      key: k,
                      label: label(CASE_TYPE, k),
                      color: TYPE_COLORS[k] as string,
                    }))}
                  />
                  <table className="grid compact">
                    <thead>
                      <tr>
                        <th>Entité</th>
                        <th>Type</th>
                        <th>Statut</th>
                        <th className="num">Nombre</th>
                      </tr>
                    </thead>
                    <tbody>
                      {r.items.map((row) => (
                        <tr key={`${row.entity}-${row.type}-${row.status}`}>
                          <td>{row.entity}</td>
                          <td>{label(CASE_TYPE, row.type)}</td>
                          <td>{label(CASE_STATUS, row.status)}</td>
                          <td className="num">{row.count}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </>
              );
            }}
          </AsyncList>
        </Section>
        <Section title="Nouveaux clients" actions={<CsvLink report="new-customers" filters={filters} />}>
          <AsyncList state={customers} what="Chargement" empty="Aucun nouveau client sur la période.">
            {(p) => {
              return (
                <>
                  <p className="kpi">
                    <strong>{frNum(p.total)}</strong> nouveau{p.total > 1 ? "x" : ""} client
                    {p.total > 1 ? "s" : ""} sur la période
                  </p>
                  <BarChart
                    title="Nouveaux clients selon l'origine du début d'abonnement"
                    rows={p.bySource.map((r) => ({
                      label: label(START_SOURCE, r.source),
                      values: { n: r.count },
                    }))}
                    series={[{ key: "n", label: "abonnements", color: "#5c8a4a" }]}
                  />
                  <table className="grid compact">
                    <thead>
                      <tr>
                        <th>Client</th>
                        <th>PDS</th>
                        <th>Début</th>
                        <th className="num">Index</th>
                        <th>Origine</th>
                        <th>Entité</th>
                      </tr>
                    </thead>
                    <tbody>
                      {p.items.map((r) => (
                        <tr key={r.subscription}>
                          <td>{r.name}</td>
                          <td>
                            <ServicePointLink id={r.servicePoint} />
                          </td>
                          <td>{frDate(r.startDate)}</td>
                          <td className="num">{frNum(r.startIndex)}</td>
                          <td>{label(START_SOURCE, r.source)}</td>
                          <td>{r.entity}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                  {p.total > p.items.length && (
                    <p className="muted small">{p.total - p.items.length} autres dans l'export CSV.</p>
                  )}
                </>
              );
            }}
          </AsyncList>
        </Section>
      </div>
    </div>
  );
}
