/**
 * A command for Saxium's administrators: issue a token for one agent, print
 * it once, and print the SQL row to store (the hash only) and the SQL that
 * revokes it. It touches no database itself, so it runs anywhere the code
 * runs: `npx tsx saxium_side/issue_agent_token.ts SRV-BATIGEST "Agence de Lyon"`.
 *
 * @module
 */

import process from "node:process";
import { pathToFileURL } from "node:url";
import { issueAgentToken, type IssuedToken } from "./agent_tokens.ts";
import { insertStatement, MemoryCredentialStore, revokeStatement } from "./credential_store.ts";

/** What the command prints, and its exit code. */
export interface CommandOutcome {
  code: number;
  /** For standard output (code 0) or standard error (otherwise). */
  text: string;
}

const USAGE = "Usage : issue_agent_token.ts <agentId> [libellé]\n" +
  "  agentId : l'identifiant de l'agent (son « agentId », le nom de la machine par défaut)\n";

/**
 * Issue a token from the command's arguments (`<agentId> [label]`).
 *
 * @example
 * ```ts
 * const { code, text } = await runIssueCommand(["SRV-BATIGEST", "Agence de Lyon"]);
 * ```
 */
export async function runIssueCommand(args: readonly string[]): Promise<CommandOutcome> {
  const [agentId, label, ...rest] = args;
  if (!agentId || rest.length > 0 || agentId.startsWith("-")) return { code: 2, text: USAGE };
  let issued: IssuedToken;
  try {
    issued = await issueAgentToken(new MemoryCredentialStore(), { agentId, label });
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return {
      code: 2,
      text: "agentId refusé : 1 à 64 caractères ASCII imprimables, sans espace ni accent, " +
        "exactement comme l'agent l'envoie.\n" + USAGE,
    };
  }
  const { token, record } = issued;
  return {
    code: 0,
    text: [
      `Jeton de l'agent « ${record.agentId} », affiché cette seule fois : mettez-le dans ` +
      "« token » de son agent.json (ou dans la variable système SAXIUM_TOKEN) :",
      "",
      `  ${token}`,
      "",
      "Ligne à ajouter à la table batigest_agent_credentials (seule l'empreinte du secret y " +
      "est gardée) :",
      "",
      `  ${insertStatement(record)}`,
      "",
      "Pour le révoquer plus tard :",
      "",
      `  ${revokeStatement(record.tokenId)}`,
      "",
    ].join("\n"),
  };
}

if (process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const { code, text } = await runIssueCommand(process.argv.slice(2));
  (code === 0 ? process.stdout : process.stderr).write(text);
  process.exitCode = code;
}
