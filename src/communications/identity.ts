/** Who writes to the customer: the utility's letterhead, sender address and place, from the environment. */

export interface SenderIdentity {
  /** The utility's name, first line of the letterhead and signature. */
  name: string;
  /** The department that signs. */
  department: string;
  /** Postal address lines of the letterhead (where the customer writes back). */
  addressLines: string[];
  phone: string;
  /** RFC 5322 sender, e.g. `Service de l'eau <clientele@eau.example.fr>` (MAIL_FROM). */
  from: string;
  /** The town written before the date of a letter ("Lyon, le 5 mars 2024"). */
  place: string;
}

export const DEFAULT_IDENTITY: SenderIdentity = {
  name: "Service public de l'eau",
  department: "Service clientèle",
  addressLines: ["10 quai de la Régie", "69002 Lyon"],
  phone: "04 00 00 00 00",
  from: "Service public de l'eau <clientele@eau.example.fr>",
  place: "Lyon",
};

/**
 * The identity from the environment: MAIL_FROM, ECART_UTILITY_NAME, ECART_UTILITY_DEPARTMENT,
 * ECART_UTILITY_ADDRESS (lines separated by "|"), ECART_UTILITY_PHONE, ECART_LETTER_PLACE.
 */
export function identityFromEnv(env: NodeJS.ProcessEnv = process.env): SenderIdentity {
  return {
    name: env.ECART_UTILITY_NAME || DEFAULT_IDENTITY.name,
    department: env.ECART_UTILITY_DEPARTMENT || DEFAULT_IDENTITY.department,
    addressLines: env.ECART_UTILITY_ADDRESS
      ? env.ECART_UTILITY_ADDRESS.split("|").map((l) => l.trim())
      : DEFAULT_IDENTITY.addressLines,
    phone: env.ECART_UTILITY_PHONE || DEFAULT_IDENTITY.phone,
    from: env.MAIL_FROM || DEFAULT_IDENTITY.from,
    place: env.ECART_LETTER_PLACE || DEFAULT_IDENTITY.place,
  };
}

/** The bare address of an RFC 5322 sender: `Name <a@b>` → `a@b`. */
export function senderAddress(from: string): string {
  const m = /<([^>]+)>/.exec(from);
  return (m ? m[1] : from)?.trim() ?? from;
}

/** The domain of the sender address, used on the right of every Message-ID. */
export function senderDomain(from: string): string {
  const addr = senderAddress(from);
  const at = addr.lastIndexOf("@");
  return at >= 0 ? addr.slice(at + 1) : "ecart.invalid";
}
