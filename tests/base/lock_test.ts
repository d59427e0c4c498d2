import assert from "node:assert/strict";
import nodePath from "node:path";
import { acquireInstanceLock } from "../../lib/base/lock.ts";

Deno.test("one holder at a time; released on release() and when the holder dies", async () => {
  const dir = await Deno.makeTempDir();
  const path = nodePath.join(dir, "agent.lock");
  try {
    const first = acquireInstanceLock(path)!;
    assert.ok(first);
    assert.equal(acquireInstanceLock(path), undefined);
    first.release();
    first.release(); // twice is harmless
    {
      using second = acquireInstanceLock(path);
      assert.ok(second);
      assert.equal(acquireInstanceLock(path), undefined, "held inside the block");
    }
    const third = acquireInstanceLock(path);
    assert.ok(third, "released when the block that held it ended");
    third.release();

    // A process that holds the lock and is killed leaves it free.
    const holder = new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `const f = Deno.openSync(${JSON.stringify(path)}, {read: true, write: true});
         f.lockSync(true); console.log("held"); setTimeout(() => {}, 60000);`,
      ],
      stdout: "piped",
    }).spawn();
    const reader = holder.stdout.getReader();
    await reader.read();
    assert.equal(acquireInstanceLock(path), undefined, "held by the other process");
    holder.kill("SIGKILL");
    await holder.status;
    reader.releaseLock();
    await holder.stdout.cancel();
    const after = acquireInstanceLock(path);
    assert.ok(after, "the OS released the dead process's lock");
    after.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
