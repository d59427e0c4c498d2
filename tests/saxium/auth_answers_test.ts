import assert from "node:assert/strict";
import { isLoginUrl, startsLikeHtml } from "../../lib/saxium/auth_answers.ts";
import { until } from "../../lib/saxium/answers.ts";

Deno.test("startsLikeHtml: a web page, whatever precedes it", () => {
  const pages = [
    "<!DOCTYPE html><html><body>Connexion</body></html>",
    "<!doctype HTML>",
    '\uFEFF\r\n  \t<html lang="fr">',
    "<HTML>",
    '<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN">',
    "<!-- proxy -->\n<!-- page -->\n<html>",
  ];
  for (const page of pages) {
    assert.equal(startsLikeHtml(page), true, page);
    assert.equal(startsLikeHtml(new TextEncoder().encode(page)), true, page);
  }
});

Deno.test("startsLikeHtml: documents are not web pages", () => {
  const documents = [
    '<?xml version="1.0" encoding="UTF-8"?>\n<Devis><Reference>DV-1</Reference></Devis>',
    '<?xml version="1.0"?>\n<!DOCTYPE Devis [<!ENTITY a "b">]><Devis/>',
    "\uFEFFReference;Date;Client\r\nDV-1;2026-12-01;Durand",
    "<Devis><Designation>&lt;html&gt;</Designation></Devis>",
    "",
  ];
  for (const document of documents) assert.equal(startsLikeHtml(document), false, document);
});

Deno.test("isLoginUrl: login, signin, auth, oidc pages", () => {
  for (
    const url of [
      "https://saxium.example/login?next=/api",
      "https://saxium.example/api/login",
      "https://saxium.example/auth/callback",
      "https://login.example/oauth2/authorize",
      "https://id.example/realms/x/protocol/openid-connect/auth",
      "https://saxium.example/oidc/start",
      "https://saxium.example/Sign-In",
      "https://saxium.example/__replauth",
    ]
  ) {
    assert.equal(isLoginUrl(new URL(url)), true, url);
  }
  for (
    const url of [
      "https://saxium.example/api/batigest/exports/pending",
      "http://127.0.0.2:9/x",
      "https://ailleurs.example/",
    ]
  ) {
    assert.equal(isLoginUrl(new URL(url)), false, url);
  }
});

Deno.test("until: the minute the wait ends, rounded up, with the day when it is another", () => {
  const now = new Date(2026, 11, 1, 14, 30, 40);
  assert.equal(until(120_000, now), "jusqu'à 14:33");
  assert.equal(until(20_000, now), "jusqu'à 14:31");
  assert.equal(until(12 * 3600_000, now), "jusqu'au 02/12 à 02:31");
});
