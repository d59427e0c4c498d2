/**
 * The agent's name and version, read from `deno.json` at build time (a static
 * import, bundled into the executable).
 *
 * @module
 */

import config from "../../deno.json" with { type: "json" };

/** The agent's version, as in `deno.json`. */
export const VERSION: string = config.version;

/** The name the agent gives itself in `User-Agent` and `--version`. */
export const AGENT_NAME = "saxium-batigest-agent";
