/** Who is logged in and what they may do: drives which actions the console offers. */
import { createContext, useContext } from "react";
import type { Me } from "../../src/http/api-shapes.ts";

/** GET /api/me: who is logged in (src/http/api-shapes.ts). */
export type { Me };

export const SessionContext = createContext<Me | null>(null);

export function useMe(): Me {
  const me = useContext(SessionContext);
  if (!me) throw new Error("useMe outside a session");
  return me;
}

/** True when the logged-in role may run the command (R14; the server checks again). */
export function useMay(verb: string): boolean {
  return useMe().permissions.commands.includes(verb);
}
