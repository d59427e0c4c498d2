/**
 * Network targets as the agent's permissions name them: the `host:port` a URL
 * connects to (what `--allow-net` lists and `Deno.permissions` is asked
 * about), and whether a host is this machine (where `http://` is tolerated).
 * Configuration, the permission set, doctor and the alerts all need the same
 * answer, so it lives here once.
 *
 * @module
 */

/** `host:port` of a URL, with the scheme's default port made explicit. */
export function netTarget(url: string): string {
  const u = new URL(url);
  const port = u.port || (u.protocol === "https:" ? "443" : "80");
  return `${u.hostname}:${port}`;
}

/** Whether `hostname` names this machine (http:// is allowed only there). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}
