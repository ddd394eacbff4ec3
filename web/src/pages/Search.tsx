/** Search by address, meter serial, service point, name, email or case number. */
import { type FormEvent, useEffect, useState } from "react";
import { api, qs } from "../api.ts";
import { CaseLink, CaseStatusBadge, ServicePointLink } from "../entities.tsx";
import { CASE_TYPE, label } from "../format.ts";
import type { SearchResult } from "../types.ts";
import { AsyncView, Badge, Empty, focusOnMount, useAsync } from "../ui.tsx";

function queryFromHash(): string {
  const m = /[?&]q=([^&]*)/.exec(window.location.hash);
  return m?.[1] ? decodeURIComponent(m[1]) : "";
}

export function SearchPage() {
  const [q, setQ] = useState(queryFromHash);
  const [submitted, setSubmitted] = useState(queryFromHash);
  useEffect(() => {
    const f = () => {
      const v = queryFromHash();
      setQ(v);
      setSubmitted(v);
    };
    window.addEventListener("hashchange", f);
    return () => window.removeEventListener("hashchange", f);
  }, []);
  const [offset, setOffset] = useState(0);
  const state = useAsync<SearchResult | null>(
    (signal) =>
      submitted.trim()
        ? api.get<SearchResult>(`/api/search${qs({ q: submitted.trim(), offset: offset || undefined })}`, {
            signal,
          })
        : Promise.resolve(null),
    [submitted, offset],
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    window.location.hash = `/?q=${encodeURIComponent(q.trim())}`;
    setOffset(0);
    setSubmitted(q.trim());
  };
  return (
    <div className="page">
      <h1>Recherche</h1>
      <form className="searchbar" onSubmit={submit} aria-label="Recherche">
        <label htmlFor="q" className="sr-only">
          Rechercher
        </label>
        <input
          id="q"
          type="search"
          value={q}
          onChange={(e) => setQ(e.target.value)}
          placeholder="Adresse, matricule compteur, PDS, nom, courriel ou n° de dossier"
          ref={focusOnMount}
        />
        <button type="submit" className="primary">
          Rechercher
        </button>
      </form>
      {!submitted.trim() ? (
        <Empty>Saisissez une adresse, un matricule de compteur, un nom ou un numéro de dossier.</Empty>
      ) : (
        <AsyncView state={state} what="Recherche">
          {(r) => (r ? <Results r={r} onPage={setOffset} /> : null)}
        </AsyncView>
      )}
    </div>
  );
}

/** « 20 sur 285 »: the page shown out of how many matched. */
const countOf = (shown: number, total: number, offset: number) =>
  total > shown ? `${offset + 1}–${offset + shown} sur ${total}` : String(total);

function Results({ r, onPage }: { r: SearchResult; onPage: (offset: number) => void }) {
  const total = r.totals.servicePoints + r.totals.people + r.totals.cases;
  if (total === 0)
    return <Empty>Aucun résultat. Vérifiez l'orthographe ou cherchez par matricule du compteur.</Empty>;
  const more = Math.max(r.totals.servicePoints, r.totals.people, r.totals.cases) > r.offset + r.limit;
  return (
    <div className="results">
      {(more || r.offset > 0) && (
        <div className="banner info" data-testid="refine">
          <span>
            {total} résultats : affinez la recherche (numéro et rue, code postal, matricule du compteur, nom
            complet) ou parcourez-les.
          </span>
          <span className="row-buttons">
            <button
              type="button"
              className="small"
              disabled={r.offset === 0}
              onClick={() => onPage(Math.max(0, r.offset - r.limit))}
            >
              Précédents
            </button>
            <button
              type="button"
              className="small"
              disabled={!more}
              onClick={() => onPage(r.offset + r.limit)}
            >
              Suivants
            </button>
          </span>
        </div>
      )}
      {r.servicePoints.length > 0 && (
        <section className="panel">
          <header className="panel-head">
            <h2>Points de desserte ({countOf(r.servicePoints.length, r.totals.servicePoints, r.offset)})</h2>
          </header>
          <table className="grid">
            <thead>
              <tr>
                <th>PDS</th>
                <th>Adresse</th>
                <th>Occupant</th>
                <th>Compteur</th>
                <th>Propriétaire</th>
              </tr>
            </thead>
            <tbody>
              {r.servicePoints.map((sp) => (
                <tr key={sp.id}>
                  <td>
                    <ServicePointLink id={sp.id} />
                  </td>
                  <td>{sp.address}</td>
                  <td>
                    {sp.occupant ? (
                      <>
                        {sp.occupant} <Badge tone="ok">occupé</Badge>
                      </>
                    ) : (
                      <Badge tone="warn">vacant</Badge>
                    )}
                    {sp.openCases > 0 && (
                      <span className="muted small block">
                        {sp.openCases} dossier{sp.openCases > 1 ? "s" : ""} ouvert
                        {sp.openCases > 1 ? "s" : ""}
                      </span>
                    )}
                  </td>
                  <td className="mono">{sp.meterSerial ?? "—"}</td>
                  <td>{sp.owner ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {r.people.length > 0 && (
        <section className="panel">
          <header className="panel-head">
            <h2>Personnes ({countOf(r.people.length, r.totals.people, r.offset)})</h2>
          </header>
          <table className="grid">
            <thead>
              <tr>
                <th>Nom</th>
                <th>Courriel</th>
                <th>Statut</th>
                <th>PDS</th>
              </tr>
            </thead>
            <tbody>
              {r.people.map((p) => (
                <tr key={p.id}>
                  <td>{p.name}</td>
                  <td>{p.email ?? "—"}</td>
                  <td>
                    {p.role === "SUBSCRIBER" ? (
                      <Badge tone="ok">Abonné</Badge>
                    ) : (
                      <Badge tone="info">Prospect</Badge>
                    )}
                  </td>
                  <td>{p.servicePoint ? <ServicePointLink id={p.servicePoint} /> : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {r.cases.length > 0 && (
        <section className="panel">
          <header className="panel-head">
            <h2>Dossiers ({countOf(r.cases.length, r.totals.cases, r.offset)})</h2>
          </header>
          <table className="grid">
            <thead>
              <tr>
                <th>Dossier</th>
                <th>Type</th>
                <th>Statut</th>
                <th>PDS</th>
                <th>Personne</th>
                <th>Entité</th>
              </tr>
            </thead>
            <tbody>
              {r.cases.map((c) => (
                <tr key={c.id}>
                  <td>
                    <CaseLink id={c.id} />
                  </td>
                  <td>{label(CASE_TYPE, c.type)}</td>
                  <td>
                    <CaseStatusBadge status={c.status} />
                  </td>
                  <td>
                    <ServicePointLink id={c.servicePoint} />
                  </td>
                  <td>{c.party ?? "—"}</td>
                  <td>{c.entity}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </div>
  );
}
