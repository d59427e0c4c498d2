/**
 * Opening the Saxium client from the settings: token, agent id, proxy and the
 * extra root certificates of `caFile`, read and checked before anything is
 * touched.
 *
 * @module
 */

import { type Settings } from "../base/settings.ts";
import { ConfigError } from "../base/config_error.ts";
import { describeSystemError } from "../base/system_errors.ts";
import { VERSION } from "../base/version.ts";
import { SaxiumClient, type SaxiumClientOptions } from "./client.ts";

/**
 * A Saxium client for the settings (token, agent id, proxy, extra root
 * certificates), with `overrides` for timeouts, retries and logging.
 */
export function openSaxiumClient(
  settings: Pick<Settings, "apiUrl" | "token" | "agentId" | "proxy" | "caFile">,
  overrides: Partial<SaxiumClientOptions> = {},
): SaxiumClient {
  return new SaxiumClient({
    apiUrl: settings.apiUrl,
    token: settings.token,
    agentId: settings.agentId,
    version: VERSION,
    proxy: settings.proxy,
    caCerts: overrides.caCerts ?? readCaCerts(settings),
    ...overrides,
  });
}

/**
 * The extra root certificates of `caFile`, read and checked up front.
 *
 * @throws {ConfigError} when the file cannot be read or holds no PEM certificate.
 */
export function readCaCerts(settings: Pick<Settings, "caFile">): string[] | undefined {
  if (!settings.caFile) return undefined;
  const path = settings.caFile;
  const read = readCaFile(path);
  if ("problem" in read) {
    throw new ConfigError(
      "caFile",
      `Paramètre caFile : impossible d'utiliser le certificat ${path} (${read.problem}) ; indiquez un fichier PEM placé dans le dossier de travail.`,
    );
  }
  return [read.pem];
}

/**
 * The text of a CA file, or why it cannot serve, in a few French words
 * ("fichier ou dossier introuvable", "aucun certificat PEM dedans"): the
 * system's English stays out (it is read before any log exists).
 */
export function readCaFile(path: string): { pem: string } | { problem: string } {
  let pem: string;
  try {
    pem = Deno.readTextFileSync(path);
  } catch (error) {
    return { problem: describeSystemError(error).cause };
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    return { problem: "aucun certificat PEM dedans (« -----BEGIN CERTIFICATE----- »)" };
  }
  return { pem };
}
