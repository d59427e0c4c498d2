/** The command that issues a token: what it prints, and that it runs as a script. */

import assert from "node:assert/strict";
import nodePath from "node:path";
import { hashTokenSecret, parseAgentToken } from "../../saxium_side/agent_tokens.ts";
import { runIssueCommand } from "../../saxium_side/issue_agent_token.ts";
import { PROJECT_ROOT } from "../support/agent_process.ts";

Deno.test("the command prints the token once, the row holding its hash, and how to revoke it", async () => {
  const { code, text } = await runIssueCommand(["SRV-LYON", "Agence de l'Est"]);
  assert.equal(code, 0);
  const tokens = text.match(/sxa_[0-9a-f]{16}_[0-9a-f]{64}/g) ?? [];
  assert.equal(tokens.length, 1);
  const { tokenId, secret } = parseAgentToken(tokens[0])!;
  assert.match(
    text,
    new RegExp(
      `INSERT INTO batigest_agent_credentials .* VALUES \\('${tokenId}', 'SRV-LYON', ` +
        `'${hashTokenSecret(secret)}', 'Agence de l''Est', '[0-9T:.-]+Z'\\);`,
    ),
  );
  assert.match(text, new RegExp(`UPDATE batigest_agent_credentials .* token_id = '${tokenId}'`));
  assert.equal(text.split(secret).length, 2, "the secret is printed more than once");
});

Deno.test("the command refuses a missing or impossible agent id (exit 2)", async () => {
  for (const args of [[], ["SRV LYON"], ["--help"], ["A", "b", "c"]]) {
    const { code, text } = await runIssueCommand(args);
    assert.equal(code, 2, JSON.stringify(args));
    assert.match(text, /Usage : issue_agent_token\.ts <agentId>/);
    assert.ok(!/sxa_/.test(text));
  }
});

Deno.test("run as a script, it prints to standard output (no permission needed)", async () => {
  const script = nodePath.join(PROJECT_ROOT, "saxium_side", "issue_agent_token.ts");
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-prompt", script, "SRV-LYON"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  assert.match(stdout, /^Jeton de l'agent « SRV-LYON »/);
  assert.match(stdout, /\n {2}sxa_[0-9a-f]{16}_[0-9a-f]{64}\n/);
});
