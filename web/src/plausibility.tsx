/** A typed index the server finds implausible (SPEC §4): said before anything is saved, the likely index one click away. */
import { useEffect, useState } from "react";
import { type ApiError, api } from "./api.ts";
import { frNum, m3 } from "./format.ts";
import type { Plausibility, ReadingCheck } from "./types.ts";
import { CheckLine } from "./ui.tsx";

export interface ReadingCheckState {
  /** The server's verdict on the index and date typed now (never an older one). */
  verdict: ReadingCheck | undefined;
  /** The server's refusal of what is typed now (not whole m3, a future date…). */
  error: ApiError | undefined;
  /** An index is typed and its verdict has not come back yet. */
  pending: boolean;
}

/**
 * Asks the server what recording this index at this date would find (POST …/readings/check), a moment after
 * the advisor stops typing: the same history and the same rule as the command, nothing written.
 */
export function useReadingCheck(servicePoint: string, date: string, index: string): ReadingCheckState {
  const typed = index.trim();
  const key = `${date}|${typed}`;
  const [answer, setAnswer] = useState<{ key: string; verdict?: ReadingCheck; error?: ApiError }>();
  useEffect(() => {
    if (!date || typed === "") return;
    const ctrl = new AbortController();
    const timer = setTimeout(async () => {
      try {
        const verdict = await api.post<ReadingCheck>(
          `/api/service-points/${encodeURIComponent(servicePoint)}/readings/check`,
          { date, index: typed },
          { signal: ctrl.signal },
        );
        setAnswer({ key: `${date}|${typed}`, verdict });
      } catch (e) {
        if ((e as Error).name !== "AbortError") setAnswer({ key: `${date}|${typed}`, error: e as ApiError });
      }
    }, 300);
    return () => {
      ctrl.abort();
      clearTimeout(timer);
    };
  }, [servicePoint, date, typed]);
  const current = answer?.key === key ? answer : undefined;
  return { verdict: current?.verdict, error: current?.error, pending: typed !== "" && current === undefined };
}

/**
 * The warning shown while a typed index is SUSPECT: the range the history expects, the likely index of a
 * slip (decimals or litres typed as m3) as a button that puts it in the field, and the box the advisor
 * ticks to keep the typed index all the same. Nothing here judges: the verdict is the server's check.
 */
export function SuspectIndex(props: {
  /** The checkbox's id (one per form). */
  id: string;
  index: number;
  verdict: Plausibility;
  /** Whose index it is, for the confirmation: « Le client confirme », « Je confirme »… */
  confirmLabel: string;
  confirmed: boolean;
  onConfirm: (confirmed: boolean) => void;
  onUseSuggested: (index: number) => void;
}) {
  const { verdict: v } = props;
  if (v.status !== "SUSPECT") return null;
  return (
    <div className="banner warn suspect-index" role="alert" data-testid="suspect-index">
      <p>
        <strong>Index {m3(props.index)} invraisemblable</strong> pour ce compteur à cette date
        {v.expected
          ? ` : l'historique des relevés attend entre ${frNum(v.expected.index[0])} et ${m3(v.expected.index[1])}.`
          : "."}
      </p>
      {v.suggestedIndex !== null && (
        <p>
          Erreur de saisie probable (décimales ou litres tapés comme des m3) : index{" "}
          <strong>{m3(v.suggestedIndex)}</strong>{" "}
          <button
            type="button"
            className="small primary"
            onClick={() => props.onUseSuggested(v.suggestedIndex as number)}
          >
            Utiliser {frNum(v.suggestedIndex)}
          </button>
        </p>
      )}
      <CheckLine
        id={props.id}
        label={`${props.confirmLabel} l'index ${m3(props.index)} : ce n'est pas une erreur de saisie`}
        checked={props.confirmed}
        onChange={props.onConfirm}
        must
      />
    </div>
  );
}
