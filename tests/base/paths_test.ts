import assert from "node:assert/strict";
import path from "node:path";
import { isInside } from "../../lib/base/paths.ts";

const IMPORT_DIR = "C:\\SaxiumBatigest\\ToImport";
const win32 = path.win32;
const posix = path.posix;

Deno.test("isInside: win32 rules", () => {
  const check = (candidate: string) => isInside(IMPORT_DIR, candidate, { pathApi: win32 });
  assert.ok(check("C:\\SaxiumBatigest\\ToImport\\a.xml"));
  assert.ok(check("C:\\SaxiumBatigest\\ToImport\\sub\\a.xml"));
  assert.ok(check("c:\\saxiumbatigest\\toimport\\A.XML"), "case-insensitive");
  assert.ok(check("C:/SaxiumBatigest/ToImport/a.xml"), "forward slashes");
  assert.ok(check("C:\\SaxiumBatigest\\ToImport\\..foo"), "name starting with dots");
  assert.ok(!check(IMPORT_DIR), "the root itself");
  assert.ok(!check(IMPORT_DIR + "\\"), "the root with a separator");
  assert.ok(!check("C:\\SaxiumBatigest\\ToImport\\..\\a.xml"));
  assert.ok(!check("C:\\SaxiumBatigest\\ToImport\\sub\\..\\..\\a.xml"));
  assert.ok(!check("C:\\SaxiumBatigest\\ToImportEvil\\a.xml"), "sibling sharing a prefix");
  assert.ok(!check("D:\\SaxiumBatigest\\ToImport\\a.xml"), "other drive");
  assert.ok(!check("\\\\server\\share\\a.xml"), "UNC");
  assert.ok(!check("C:\\Windows\\win.ini"));
});

Deno.test("isInside: posix rules", () => {
  const check = (candidate: string) => isInside("/srv/import", candidate, { pathApi: posix });
  assert.ok(check("/srv/import/a.xml"));
  assert.ok(check("/srv/import/sub/../a.xml"));
  assert.ok(!check("/srv/import"));
  assert.ok(!check("/srv/import/../a.xml"));
  assert.ok(!check("/srv/importer/a.xml"));
  assert.ok(!check("/SRV/import/a.xml"), "case-sensitive");
  assert.ok(!check("/etc/passwd"));
});

Deno.test("isInside: defaults to the platform's rules", () => {
  const root = Deno.build.os === "windows" ? "C:\\a" : "/a";
  const inside = Deno.build.os === "windows" ? "C:\\a\\b" : "/a/b";
  assert.ok(isInside(root, inside));
  assert.ok(!isInside(inside, root));
});

Deno.test("isInside: orSame lets the root itself count, never a sibling", () => {
  const check = (candidate: string) =>
    isInside(IMPORT_DIR, candidate, { pathApi: win32, orSame: true });
  assert.ok(check(IMPORT_DIR));
  assert.ok(check("c:\\saxiumbatigest\\toimport\\"));
  assert.ok(check(IMPORT_DIR + "\\a.xml"));
  assert.ok(!check("C:\\SaxiumBatigest"));
  assert.ok(!check("C:\\SaxiumBatigest\\ToImportEvil"));
});
