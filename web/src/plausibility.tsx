/** A typed index the server finds implausible (SPEC §4): said before anything is saved, the likely index one click away. */
import { frNum, m3 } from "./format.ts";
import type { Plausibility } from "./types.ts";
import { CheckLine } from "./ui.tsx";

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
