/** Business figures (SPEC §3, §4): configuration with the procedure's defaults. */
export interface EcartConfig {
  /** R2: largest |gap| in m3 that is still tolerated (inclusive). */
  toleranceM3: number;
  /** R3: calendar days the customer has to send a proof. */
  proofDeadlineDays: number;
  /** R10: years after which the consumer may refuse billing (Code de la consommation L218-2). */
  prescriptionYears: number;
  /** R18: days before the proof's due date the reminder goes out (0: no reminder). */
  proofReminderDays: number;
  /** Where calendar days begin and end. */
  timeZone: string;
  plausibility: PlausibilityConfig;
}

export interface PlausibilityConfig {
  /** Lower end of the expected usage, as a factor of the expected usage. */
  lowFactor: number;
  /** Upper end of the expected usage, as a factor of the expected usage. */
  highFactor: number;
  /** Floor of the average daily use, m3/day (a vacant premises is not "zero forever"). */
  minDailyUseM3: number;
  /** Household yearly use assumed when the history has fewer than two valid readings. */
  householdYearlyM3: number;
}

export const DEFAULT_CONFIG: EcartConfig = {
  toleranceM3: 5,
  proofDeadlineDays: 15,
  prescriptionYears: 2,
  proofReminderDays: 5,
  timeZone: "Europe/Paris",
  plausibility: { lowFactor: 0.2, highFactor: 5.5, minDailyUseM3: 0.1, householdYearlyM3: 120 },
};

/** The defaults, overridden by what a scenario or the environment says. */
export function makeConfig(
  over: Partial<Omit<EcartConfig, "plausibility">> & {
    plausibility?: Partial<PlausibilityConfig>;
  } = {},
): EcartConfig {
  return {
    ...DEFAULT_CONFIG,
    ...over,
    plausibility: { ...DEFAULT_CONFIG.plausibility, ...(over.plausibility ?? {}) },
  };
}
