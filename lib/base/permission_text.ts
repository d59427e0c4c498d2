/**
 * Deno's permission refusals in French. Under the executable's baked
 * permissions, any access outside the build raises `Deno.errors.NotCapable`
 * with an English message meant for developers ("Requires read access to …,
 * run again with the --allow-read flag"): advice an administrator cannot
 * follow, since the flags are inside the `.exe`. The start-up check
 * (`build_info.ts`) catches the usual causes first; this module is the net for
 * the rest: `main.ts` and the logger pass every line through
 * {@linkcode frenchPermissionText}, so no such English reaches a person.
 *
 * Pure, without imports: the logger uses it too.
 *
 * @module
 */

/** Each kind of access, as a feminine French noun phrase ("refusée" follows). */
const KINDS: Record<string, (target: string) => string> = {
  read: (t) => `lecture de ${t}`,
  write: (t) => `écriture dans ${t}`,
  net: (t) => `connexion à ${t}`,
  env: (t) => `lecture de la variable ${t}`,
  run: (t) => `exécution de ${t}`,
  sys: (t) => `information système ${t}`,
  ffi: (t) => `bibliothèque ${t}`,
  import: (t) => `importation de ${t}`,
};

// "Requires read access to "/x", run again with the --allow-read flag", and the
// older or shorter forms ("…, specify the required permissions to ignore this error").
const REFUSAL =
  /(?:NotCapable: )?Requires (\w+) access(?: to ("[^"]*"|[^,\s]+))?(?:,? ?(?:run again with the --allow-\w+ flag|specify the required permissions to ignore this error))?/g;
// Only the advice itself: `--allow-…` elsewhere (the task's command line under
// `deno run`) is legitimate text.
const LEFTOVER = /,? ?run again with the --allow-\w+ flag/g;

/** The refused access of a Deno permission message, in French, or undefined. */
export function refusedAccess(message: string): string | undefined {
  const match = new RegExp(REFUSAL.source).exec(message);
  return match ? describe(match[1], match[2]) : undefined;
}

function describe(kind: string, rawTarget: string | undefined): string {
  const target = rawTarget === undefined ? "" : `« ${rawTarget.replace(/^"|"$/g, "")} »`;
  const what = KINDS[kind]?.(target) ?? `utilisation de la permission ${kind} ${target}`;
  return `${what.trim()} refusée par les permissions de l'exécutable`;
}

/**
 * The line with every Deno permission refusal replaced by its French
 * description; other text is unchanged.
 *
 * @example
 * ```ts
 * frenchPermissionText('Requires net access to "autre.fr:443", run again with the --allow-net flag');
 * // "connexion à « autre.fr:443 » refusée par les permissions de l'exécutable"
 * ```
 */
export function frenchPermissionText(line: string): string {
  if (!/Requires \w+ access|run again/.test(line)) return line;
  return line.replace(REFUSAL, (_all, kind: string, target?: string) => describe(kind, target))
    .replace(LEFTOVER, "");
}

/**
 * The one French line for a permission refusal that reached the top of a
 * command: what was refused, and what to do.
 */
export function permissionRefusalLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const what = refusedAccess(message) ?? "accès refusé par les permissions de l'exécutable";
  return `Accès refusé (${what}) : l'agent ne lit et n'écrit que dans le dossier de travail et le dossier d'import, et ne contacte que le serveur Saxium, pour lesquels il a été construit ; vérifiez la configuration ou construisez l'exécutable pour ces valeurs (voir README, « Construire l'exécutable d'un site »).`;
}
