/**
 * One French vocabulary for what the system says: file-system, network, TLS
 * and SQLite errors arrive in English ("Operation not permitted (os error 1)",
 * "received corrupt message of type InvalidContentType", "database or disk is
 * full"); an administrator reads a short French cause instead. The original
 * text is returned beside it, for the DEBUG log only.
 *
 * Recognised by error class and OS error number first (stable), by words
 * second. Windows and Unix numbers are both known, since the agent runs on
 * Windows and is tested on Linux.
 *
 * @module
 */

/** A system error, told for a person. */
export interface SystemErrorText {
  /** A few French words: "accès refusé", "disque plein". */
  cause: string;
  /** What kind of trouble it is, for callers that act on it. */
  kind:
    | "not-found"
    | "is-a-directory"
    | "not-a-directory"
    | "access-denied"
    | "busy"
    | "disk-full"
    | "network"
    | "tls"
    | "timeout"
    | "journal-damaged"
    /** SQLite's busy or locked journal: another program holds it (a backup, an antivirus). */
    | "journal-locked"
    | "permission"
    | "other";
  /** The original message (for DEBUG), without the stack. */
  original: string;
}

/** OS error numbers (Windows, then Unix errno) and what they mean. */
const OS_ERRORS: Record<number, [SystemErrorText["kind"], string]> = {};
function osErrors(kind: SystemErrorText["kind"], cause: string, codes: number[]): void {
  for (const code of codes) OS_ERRORS[code] = [kind, cause];
}
// Unix errno values (Linux) are below 200 and overlap Windows' only where noted.
osErrors("access-denied", "accès refusé", [1, 5, 13]); // EPERM, ERROR_ACCESS_DENIED, EACCES
osErrors("not-found", "fichier ou dossier introuvable", [2, 3]);
osErrors("busy", "fichier utilisé par un autre programme", [16, 32, 33]); // EBUSY, sharing/lock violation
osErrors("disk-full", "disque plein", [28, 39, 112]); // ENOSPC, ERROR_HANDLE_DISK_FULL, ERROR_DISK_FULL
osErrors("access-denied", "disque en lecture seule", [19, 30]); // ERROR_WRITE_PROTECT, EROFS
osErrors("not-found", "chemin réseau introuvable", [53, 67]);
osErrors("network", "partage réseau devenu indisponible", [64]);
osErrors("other", "nom de fichier trop long", [36, 206]);
osErrors("network", "connexion refusée", [111, 10061]);
osErrors("network", "connexion coupée", [104, 10054]);
osErrors("timeout", "délai de connexion dépassé", [110, 10060]);
osErrors("network", "réseau inaccessible", [101, 113, 10051, 10065]);

const IS_A_DIRECTORY = "c'est un dossier, pas un fichier";
const NOT_A_DIRECTORY = "un élément du chemin est un fichier, pas un dossier";

/** Words of messages without a number, most specific first. */
const WORDS: [RegExp, SystemErrorText["kind"], string][] = [
  [/database or disk is full|SQLITE_FULL/i, "disk-full", "disque plein (journal de l'agent)"],
  [
    /file is not a database|disk image is malformed|SQLITE_CORRUPT|SQLITE_NOTADB/i,
    "journal-damaged",
    "journal de l'agent endommagé",
  ],
  [
    /database (table )?is locked|SQLITE_BUSY|SQLITE_LOCKED/i,
    "journal-locked",
    "journal de l'agent verrouillé par un autre programme (sauvegarde, antivirus ?)",
  ],
  [/readonly database|SQLITE_READONLY/i, "access-denied", "journal de l'agent en lecture seule"],
  [
    /unable to open database|SQLITE_CANTOPEN/i,
    "access-denied",
    "journal de l'agent impossible à ouvrir",
  ],
  [
    /disk I\/O error|SQLITE_IOERR/i,
    "other",
    "erreur d'écriture sur le disque (journal de l'agent)",
  ],
  [/No space left|disk full|ENOSPC/i, "disk-full", "disque plein"],
  [/Requires \w+ access|NotCapable|--allow-/i, "permission", "hors des permissions de l'agent"],
  [/Requests to port \d+ are blocked/i, "network", "port réseau interdit par Deno (port réservé)"],
  [
    /InvalidContentType|corrupt message|wrong version number|packet length too long/i,
    "tls",
    "le serveur ne parle pas HTTPS à cette adresse (essayez http:// ou un autre port)",
  ],
  [
    /UnknownIssuer|unable to get local issuer|self[- ]signed/i,
    "tls",
    "certificat du serveur émis par une autorité inconnue (proxy qui inspecte le trafic ? indiquez caFile)",
  ],
  [
    /expired|NotValidYet|CertExpired/i,
    "tls",
    "certificat du serveur expiré ou pas encore valide (horloge du poste ?)",
  ],
  [
    /NotValidForName|hostname mismatch|altnames/i,
    "tls",
    "certificat du serveur établi pour un autre nom",
  ],
  [/certificate|tls|ssl|handshake/i, "tls", "échec de la connexion sécurisée (TLS)"],
  [
    /dns error|lookup address|not known|no such host|ENOTFOUND|getaddrinfo/i,
    "network",
    "nom d'hôte introuvable (DNS)",
  ],
  [/connection refused|ECONNREFUSED/i, "network", "connexion refusée"],
  [
    /connection reset|broken pipe|ECONNRESET|EPIPE|closed before message completed/i,
    "network",
    "connexion coupée",
  ],
  [/timed? ?out|ETIMEDOUT|deadline/i, "timeout", "délai dépassé"],
  [/network is unreachable|ENETUNREACH|EHOSTUNREACH/i, "network", "réseau inaccessible"],
  [
    /error reading a body|unexpected end of file|incomplete message/i,
    "network",
    "réponse interrompue",
  ],
  [
    /sharing violation|being used by another process|resource busy/i,
    "busy",
    "fichier utilisé par un autre programme",
  ],
  [
    /permission denied|access is denied|operation not permitted|EACCES|EPERM/i,
    "access-denied",
    "accès refusé",
  ],
  [/not found|no such file|ENOENT|cannot find/i, "not-found", "fichier ou dossier introuvable"],
  // Errno 21 and 20 are other errors on Windows (device not ready, bad unit): by words only.
  [/is a directory|EISDIR/i, "is-a-directory", IS_A_DIRECTORY],
  [/not a directory|ENOTDIR/i, "not-a-directory", NOT_A_DIRECTORY],
];

/**
 * The French cause of an error from the system (or a library wrapping one).
 * Looks through `cause` chains; unknown errors get "erreur système" with the
 * original kept for DEBUG.
 *
 * @example
 * ```ts
 * describeSystemError(new Deno.errors.PermissionDenied("Operation not permitted (os error 1)")).cause;
 * // "accès refusé"
 * ```
 */
export function describeSystemError(error: unknown): SystemErrorText {
  const messages: string[] = [];
  let code: number | undefined;
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 6; depth++) {
    if (e instanceof Error) {
      messages.push(e.message);
      const os = /os error (\d+)/i.exec(e.message);
      code ??= os ? Number(os[1]) : undefined;
      const errno = (e as { errno?: unknown }).errno;
      if (code === undefined && typeof errno === "number") code = Math.abs(errno);
      e = e.cause;
    } else {
      messages.push(String(e));
      break;
    }
  }
  const original = messages.join(" ← ").replace(/\s+/g, " ").slice(0, 500);
  if (error instanceof Deno.errors.NotCapable) {
    return { kind: "permission", cause: "hors des permissions de l'agent", original };
  }
  for (const [pattern, kind, cause] of WORDS.slice(0, 5)) {
    if (pattern.test(original)) return { kind, cause, original };
  }
  if (code !== undefined && OS_ERRORS[code]) {
    const [kind, cause] = OS_ERRORS[code];
    return { kind, cause, original };
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return { kind: "access-denied", cause: "accès refusé", original };
  }
  if (error instanceof Deno.errors.IsADirectory) {
    return { kind: "is-a-directory", cause: IS_A_DIRECTORY, original };
  }
  if (error instanceof Deno.errors.NotADirectory) {
    return { kind: "not-a-directory", cause: NOT_A_DIRECTORY, original };
  }
  if (error instanceof Deno.errors.NotFound) {
    return { kind: "not-found", cause: "fichier ou dossier introuvable", original };
  }
  if (error instanceof Deno.errors.Busy) {
    return { kind: "busy", cause: "fichier utilisé par un autre programme", original };
  }
  for (const [pattern, kind, cause] of WORDS) {
    if (pattern.test(original)) return { kind, cause, original };
  }
  return { kind: "other", cause: "erreur système", original };
}
