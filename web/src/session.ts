/** Who is logged in and what they may do: drives which actions the console offers. */
import { createContext, useContext } from "react";

export interface Me {
  username: string;
  role: string;
  entity: string;
  /** The password was set by someone else: only « Mon mot de passe » until it is changed (issue 14). */
  mustChangePassword?: boolean;
  permissions: { commands: string[]; reports: boolean; admin: boolean; outboxRetry?: boolean };
}

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
