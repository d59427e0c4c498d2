/**
 * The contract's exit codes (Task Scheduler shows them as "Last Run Result"):
 * the one table every command returns from, every `--help` lists (each
 * command the codes it returns), `status` and `doctor` describe, and the
 * README documents (a test holds the README to it).
 *
 * @module
 */

/** Exit codes from the contract. */
export const EXIT = {
  ok: 0,
  exportErrors: 1,
  config: 2,
  unreachable: 3,
  locked: 4,
  /** Batigest is not importing (closed?): nothing in error, nothing lost, the next pass resumes. */
  batigestInactive: 5,
  /** This machine stopped the pass: a full disk, an unexpected error of the agent. */
  localTrouble: 6,
} as const;

/** What each exit code means, in French, for the help, `status` and the task's last result. */
export const EXIT_MEANINGS: Readonly<Record<number, string>> = {
  [EXIT.ok]: "passe terminée (y compris : rien à faire)",
  [EXIT.exportErrors]: "passe terminée, mais au moins un export en erreur",
  [EXIT.config]:
    "problème de configuration, de permission ou de dossier (journal de l'agent endommagé, dossier d'import déplacé), rien n'est perdu",
  [EXIT.unreachable]:
    "serveur Saxium injoignable ou agent refusé (réseau, TLS, 401/403), rien n'est perdu",
  [EXIT.locked]: "une autre instance de l'agent était déjà en cours",
  [EXIT.batigestInactive]: "Batigest n'importe pas (fermé ?), rien en erreur ni perdu",
  [EXIT.localTrouble]:
    "problème du poste (disque plein, erreur inattendue de l'agent), rien n'est perdu",
};

/**
 * A command's exit codes, for its `--help`: which of the contract's codes it
 * returns (all of them by default), in the command's own words where the
 * contract's do not fit (`status` is healthy or not).
 */
export interface ExitCodeDoc {
  codes?: readonly number[];
  meanings?: Readonly<Record<number, string>>;
}

/** The help's lines on exit codes: every code of the contract, or the command's. */
export function exitCodeLines(doc: ExitCodeDoc = {}): string[] {
  const codes = doc.codes ?? Object.keys(EXIT_MEANINGS).map(Number);
  return [
    "Codes de sortie :",
    ...codes.map((code) => `  ${code}  ${doc.meanings?.[code] ?? EXIT_MEANINGS[code]}`),
  ];
}
