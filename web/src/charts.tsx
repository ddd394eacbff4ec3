/** Hand-made SVG charts: the index over time with occupants and vacancies, and bar charts for reports. */
import { frDate, frNum } from "./format.ts";

export interface ChartReading {
  date: string;
  index: number;
  status: string;
}
export interface ChartOccupancy {
  name: string;
  from: string;
  to: string | null;
}

const dayOf = (d: string) => Date.parse(`${d}T00:00:00Z`) / 86_400_000;

function niceTicks(lo: number, hi: number, count = 5): number[] {
  const span = Math.max(1, hi - lo);
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw) as number;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) out.push(v);
  return out;
}

/**
 * The meter's index over time. Occupants are bands under the curve; the time between two
 * occupants (vacancy) is hatched, so consumption nobody was billed for stands out. Suspect
 * readings are red; one far off the scale is pinned to the top edge with its value.
 */
export function IndexChart(props: { readings: ChartReading[]; occupancy: ChartOccupancy[]; today: string }) {
  const W = 760;
  const H = 240;
  const pad = { l: 56, r: 16, t: 14, b: 46 };
  const shown = props.readings.filter((r) => r.status !== "REPLACED");
  if (shown.length === 0) return null;
  const valid = shown.filter((r) => r.status === "VALID");
  const scaleBase = valid.length > 0 ? valid : shown;
  const dates = [
    ...shown.map((r) => r.date),
    ...props.occupancy.flatMap((o) => [o.from, o.to ?? props.today]),
  ];
  const d0 = Math.min(...dates.map(dayOf));
  const d1 = Math.max(...dates.map(dayOf), d0 + 1);
  let y0 = Math.min(...scaleBase.map((r) => r.index));
  let y1 = Math.max(...scaleBase.map((r) => r.index));
  const margin = Math.max(5, (y1 - y0) * 0.08);
  y0 = Math.max(0, Math.floor(y0 - margin));
  y1 = Math.ceil(y1 + margin);
  const x = (d: string) => pad.l + ((dayOf(d) - d0) / (d1 - d0)) * (W - pad.l - pad.r);
  const plotBottom = H - pad.b;
  const y = (v: number) =>
    plotBottom - ((Math.min(Math.max(v, y0), y1) - y0) / (y1 - y0)) * (plotBottom - pad.t);
  const sorted = [...shown].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const line = sorted
    .filter((r) => r.status === "VALID")
    .map((r, i) => `${i === 0 ? "M" : "L"}${x(r.date).toFixed(1)},${y(r.index).toFixed(1)}`)
    .join(" ");
  const occ = [...props.occupancy].sort((a, b) => (a.from < b.from ? -1 : 1));
  const vacancies: Array<{ from: string; to: string }> = [];
  for (let i = 0; i < occ.length; i++) {
    const cur = occ[i];
    if (!cur?.to) continue;
    const next = occ[i + 1];
    const end = next ? next.from : props.today;
    if (end > cur.to) vacancies.push({ from: cur.to, to: end });
  }
  const yTicks = niceTicks(y0, y1, 4);
  const years: string[] = [];
  for (
    let yr = new Date(d0 * 86_400_000).getUTCFullYear() + 1;
    yr <= new Date(d1 * 86_400_000).getUTCFullYear();
    yr++
  )
    years.push(`${yr}-01-01`);
  const palette = ["#3b6ea8", "#5c8a4a", "#8a6a3b", "#6c5a9c"];
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label="Évolution de l'index du compteur, occupants et périodes de vacance"
      >
        <defs>
          <pattern
            id="hatch"
            width="6"
            height="6"
            patternUnits="userSpaceOnUse"
            patternTransform="rotate(45)"
          >
            <rect width="6" height="6" fill="#fbeee0" />
            <line x1="0" y1="0" x2="0" y2="6" stroke="#e0a96d" strokeWidth="2" />
          </pattern>
        </defs>
        {vacancies.map((v) => (
          <g key={`v${v.from}`}>
            <rect
              x={x(v.from)}
              y={pad.t}
              width={Math.max(2, x(v.to) - x(v.from))}
              height={plotBottom - pad.t}
              fill="url(#hatch)"
              opacity="0.75"
            />
            <text x={(x(v.from) + x(v.to)) / 2} y={pad.t + 12} className="chart-note" textAnchor="middle">
              vacance
            </text>
          </g>
        ))}
        {yTicks.map((t) => (
          <g key={t}>
            <line x1={pad.l} x2={W - pad.r} y1={y(t)} y2={y(t)} className="gridline" />
            <text x={pad.l - 6} y={y(t) + 4} textAnchor="end" className="axis">
              {frNum(t)}
            </text>
          </g>
        ))}
        {years.map((d) => (
          <g key={d}>
            <line x1={x(d)} x2={x(d)} y1={pad.t} y2={plotBottom} className="gridline faint" />
            <text x={x(d)} y={plotBottom + 14} textAnchor="middle" className="axis">
              {d.slice(0, 4)}
            </text>
          </g>
        ))}
        <line x1={pad.l} x2={W - pad.r} y1={plotBottom} y2={plotBottom} className="axisline" />
        <path d={line} className="series" />
        {sorted.map((r) => {
          const off = r.index > y1 || r.index < y0;
          const cls = r.status === "SUSPECT" ? "pt suspect" : "pt";
          return (
            <g key={`${r.date}-${r.index}-${r.status}`}>
              <circle cx={x(r.date)} cy={y(r.index)} r={r.status === "SUSPECT" ? 5 : 3} className={cls}>
                <title>
                  {frDate(r.date)} : {frNum(r.index)} m3{r.status === "SUSPECT" ? " (suspect)" : ""}
                </title>
              </circle>
              {off && (
                <text
                  x={x(r.date) - 6}
                  y={y(r.index) + (r.index > y1 ? 14 : -8)}
                  textAnchor="end"
                  className="chart-note bad"
                >
                  {r.index > y1 ? "↑" : "↓"} {frNum(r.index)}
                </text>
              )}
            </g>
          );
        })}
        {occ.map((o, i) => {
          const x1 = x(o.from);
          const x2 = x(o.to ?? props.today);
          return (
            <g key={`o${o.from}${o.name}`}>
              <rect
                x={x1}
                y={plotBottom + 20}
                width={Math.max(2, x2 - x1)}
                height={10}
                rx={2}
                fill={palette[i % palette.length]}
                opacity={0.8}
              />
              <text x={Math.max(x1 + 2, pad.l)} y={plotBottom + 42} className="axis occupant">
                {o.name}
                {o.to ? "" : " (en cours)"}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        <span className="key line" /> index valide <span className="key dot-bad" /> relevé suspect{" "}
        <span className="key hatch" /> vacance entre deux occupants
      </figcaption>
    </figure>
  );
}

/** Horizontal stacked bars: one row per label, one segment per series. */
export function BarChart(props: {
  rows: Array<{ label: string; values: Record<string, number> }>;
  series: Array<{ key: string; label: string; color: string }>;
  title: string;
}) {
  const max = Math.max(
    1,
    ...props.rows.map((r) => props.series.reduce((s, k) => s + (r.values[k.key] ?? 0), 0)),
  );
  const rowH = 24;
  // The label column fits the longest label (none is cut): about 6.6 px a character at the axis' size.
  const longest = Math.max(0, ...props.rows.map((r) => r.label.length));
  const lw = Math.min(360, Math.max(90, Math.ceil(longest * 6.6) + 16));
  const W = lw + 370;
  const H = props.rows.length * rowH + 8;
  return (
    <figure className="chart bars">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={props.title}>
        {props.rows.map((r, i) => {
          let acc = 0;
          const total = props.series.reduce((s, k) => s + (r.values[k.key] ?? 0), 0);
          return (
            <g key={r.label} transform={`translate(0 ${i * rowH + 4})`}>
              <text x={lw - 8} y={15} textAnchor="end" className="axis">
                {r.label}
              </text>
              {props.series.map((s) => {
                const v = r.values[s.key] ?? 0;
                const w = (v / max) * (W - lw - 50);
                const el = v > 0 && (
                  <rect key={s.key} x={lw + acc} y={3} width={w} height={rowH - 8} fill={s.color} rx={2}>
                    <title>
                      {s.label} : {v}
                    </title>
                  </rect>
                );
                acc += w;
                return el;
              })}
              <text x={lw + acc + 6} y={15} className="axis">
                {total}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        {props.series.map((s) => (
          <span key={s.key}>
            <span className="key" style={{ background: s.color }} /> {s.label}{" "}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
