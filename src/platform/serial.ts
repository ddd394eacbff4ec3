/** Meter serials as people write them: spaces and letter case do not count. */

/** A meter serial without its spaces, in capitals: the form two serials are compared in. */
export const normalSerial = (serial: string): string => serial.replace(/\s+/g, "").toUpperCase();

/** True when two meter serials name the same meter (R7: a proof's serial against the service point's). */
export const sameSerial = (a: string, b: string): boolean => normalSerial(a) === normalSerial(b);
