/**
 * The cold compile (`scripts/ci_cold_compile.ts`, run by `.ci/run` and the
 * Windows job) reads what `deno compile` says it embedded and fails on a
 * test-only package or two versions of one. Here, that reading, on the
 * "Embedded Files" tree as `deno compile` printed it before the fix (the
 * whole lockfile: `smtp-server`, two `nodemailer`) and after it.
 */

import assert from "node:assert/strict";
import { compileArgs, parseBuildConfig } from "../../lib/executable/build_config.ts";
import { embeddedNpmPackages, embeddedPackageProblems } from "../../scripts/ci_cold_compile.ts";

const BEFORE = `Compile dist/build/entry.ts to dist/saxium-batigest-agent.exe

Embedded Files

saxium-batigest-agent.exe
├─┬ .deno_compile_node_modules (11.05MB - 9MB unique)
│ └─┬ localhost (11.05MB - 9MB unique)
│   ├── fflate/0.8.2/* (758.05KB - 557.52KB unique)
│   ├── jsonc-parser/3.3.1/* (208.76KB - 194.57KB unique)
│   ├─┬ nodemailer (3.47MB - 1.74MB unique)
│   │ ├── 10.6.0/* (1.73MB - 1.58MB unique)
│   │ └── 10.6.1/* (1.73MB - 166.18KB unique)
│   ├── punycode.js/2.3.1/* (32.97KB - 32.95KB unique)
│   ├── saxes/6.0.0/* (160.01KB - 160KB unique)
│   ├── smtp-server/3.21.6/* (475.67KB - 427.84KB unique)
│   ├── xmlchars/2.2.0/* (59.1KB - 59.04KB unique)
│   └── zod/4.6.7/* (5.93MB - 5.86MB unique)
├── deno.json (987B)
├── dist/build/entry.ts (1.31KB)
└── main.ts (18.66KB)
`;

const AFTER = `Embedded Files

saxium-batigest-agent.exe
├─┬ .deno_compile_node_modules (8.82MB - 8.39MB unique)
│ └─┬ localhost (8.82MB - 8.39MB unique)
│   ├── fflate/0.8.2/* (758.05KB - 557.52KB unique)
│   ├── jsonc-parser/3.3.1/* (208.76KB - 194.57KB unique)
│   ├── nodemailer/10.6.1/* (1.73MB - 1.58MB unique)
│   ├── saxes/6.0.0/* (160.01KB - 160KB unique)
│   ├── xmlchars/2.2.0/* (59.1KB - 59.04KB unique)
│   └── zod/4.6.7/* (5.93MB - 5.86MB unique)
├── deno.json (987B)
└── main.ts (18.66KB)
`;

Deno.test("embedded packages: a test-only package or two versions of one fail the build", () => {
  assert.deepEqual(embeddedNpmPackages(BEFORE), [
    "fflate@0.8.2",
    "jsonc-parser@3.3.1",
    "nodemailer@10.6.0",
    "nodemailer@10.6.1",
    "punycode.js@2.3.1",
    "saxes@6.0.0",
    "smtp-server@3.21.6",
    "xmlchars@2.2.0",
    "zod@4.6.7",
  ]);
  assert.deepEqual(embeddedPackageProblems(BEFORE), [
    "the test-only package smtp-server is embedded",
    "the test-only package punycode.js is embedded",
    "nodemailer@10.6.0 and nodemailer@10.6.1 are both embedded",
  ]);
  assert.deepEqual(embeddedPackageProblems(AFTER), []);
  assert.deepEqual(embeddedPackageProblems("Compile ok"), [
    "the agent's package nodemailer is not embedded",
    "the agent's package zod is not embedded",
    "the agent's package saxes is not embedded",
    "the agent's package jsonc-parser is not embedded",
    "the agent's package fflate is not embedded",
  ]);
});

Deno.test("embedded packages: the compile asks for the module graph's packages only", () => {
  const { config } = parseBuildConfig('{"apiUrl": "https://saxium.client.fr"}');
  assert.ok(compileArgs(config, { projectRoot: "." }).includes("--exclude-unused-npm"));
  // One version of each package in the lockfile the compile reads.
  const lock = JSON.parse(Deno.readTextFileSync(new URL("../../deno.lock", import.meta.url)));
  const names = Object.keys(lock.npm).map((key) => key.replace(/@[^@]+$/, ""));
  assert.deepEqual(names.filter((name, i) => names.indexOf(name) !== i), []);
});
