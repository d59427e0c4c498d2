/**
 * The error every setting problem becomes, whichever module validates the
 * setting (`config.ts` for the agent's settings, `notify_settings.ts` for the
 * alerts'): the commands turn it into one French line and exit code 2. It has
 * its own module so that validators can throw it without importing the whole
 * configuration, which imports them.
 *
 * @module
 */

/** A setting that is missing or wrong; `message` is the one French line shown to the user. */
export class ConfigError extends Error {
  /** The setting at fault, as named in `agent.json`. */
  readonly setting: string;
  constructor(setting: string, message: string) {
    super(message);
    this.name = "ConfigError";
    this.setting = setting;
  }
}
