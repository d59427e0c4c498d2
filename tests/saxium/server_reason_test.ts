import assert from "node:assert/strict";
import { isSessionRefusal, serverReason } from "../../lib/saxium/server_reason.ts";

Deno.test("serverReason reads each of Saxium's error shapes", () => {
  // Typed errors (not found, validation), and the agent check of saxium_side/.
  assert.equal(
    serverReason({
      success: false,
      error: { message: "Format csv non disponible pour cet export", code: "VALIDATION_ERROR" },
    }),
    "Format csv non disponible pour cet export",
  );
  // The body validator's 400.
  assert.equal(
    serverReason({
      success: false,
      error: "Données invalides",
      details: { message: "exportId : Invalid uuid" },
    }),
    "Données invalides (exportId : Invalid uuid)",
  );
  // The login middleware's 401.
  assert.equal(serverReason({ message: "Unauthorized" }), "Unauthorized");
  // The older shape (a top-level message beside success: false).
  assert.equal(serverReason({ success: false, message: "Refusé" }), "Refusé");
  // Details alone, or repeating the error.
  assert.equal(serverReason({ success: false, details: { message: "limit" } }), "limit");
  assert.equal(serverReason({ error: "limit invalide", details: "limit" }), "limit invalide");
});

Deno.test("serverReason finds nothing where there is no text", () => {
  for (const value of [undefined, null, "texte", 42, [], {}, { error: {} }, { message: "  " }]) {
    assert.equal(serverReason(value), undefined, JSON.stringify(value));
  }
  assert.equal(serverReason({ success: false, error: { message: 12 } }), undefined);
});

Deno.test("isSessionRefusal: only the login middleware's bare { message }", () => {
  assert.equal(isSessionRefusal({ message: "Unauthorized" }), true);
  assert.equal(
    isSessionRefusal({ success: false, error: { message: "Jeton d'agent révoqué", code: "x" } }),
    false,
  );
  assert.equal(isSessionRefusal({ success: false, message: "Authentification requise" }), false);
  assert.equal(isSessionRefusal(undefined), false);
  assert.equal(isSessionRefusal({}), false);
});
