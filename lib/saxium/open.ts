/**
 * Opening the Saxium client from the settings: token, agent id, proxy and the
 * extra root certificates of `caFile`, read and checked before anything is
 * touched.
 *
 * @module
 */

import { type Settings } from "../base/settings.ts";
import { ConfigError } from "../base/config_error.ts";
import { VERSION } from "../base/version.ts";
import { SaxiumClient, type SaxiumClientOptions } from "./client.ts";

/**
 * A Saxium client for the settings (token, agent id, proxy, extra root
 * certificates), with `overrides` for timeouts, retries and logging.
 */
export function openSaxiumClient(
  settings: Settings,
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
  try {
    const pem = Deno.readTextFileSync(path);
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new Error("pas de certificat PEM");
    return [pem];
  } catch (error) {
    throw new ConfigError(
      "caFile",
      `Paramètre caFile : impossible de lire le certificat ${path} (${
        (error as Error).message
      }) ; indiquez un fichier PEM placé dans le dossier de travail.`,
    );
  }
}
