// The page's event hook (web/base/events.js): views hear what they registered for, in order, even when one of them
// fails.

import { test } from "node:test";
import assert from "node:assert/strict";
import { emit, next, on, pythonReady } from "../../web/base/events.js";

test("listeners hear their events in registration order, with the detail", () => {
  const heard = [];
  on("progress", (chunk) => heard.push(["first", chunk.step]));
  on("progress", (chunk) => heard.push(["second", chunk.step]));
  on("cleared", () => heard.push(["cleared"]));
  emit("progress", { step: 3 });
  assert.deepEqual(heard, [["first", 3], ["second", 3]]);
});

test("a failing listener is logged and the others still hear the event", (t) => {
  const logged = t.mock.method(console, "error", () => {});
  const heard = [];
  on("sampled", () => { throw new Error("broken view"); });
  on("sampled", ({ samples }) => heard.push(...samples));
  emit("sampled", { samples: ["emma"] });
  assert.deepEqual(heard, ["emma"]);
  assert.equal(logged.mock.callCount(), 1);
});

test("next() and pythonReady resolve with the event's detail", async () => {
  const finished = next("finished");
  emit("finished", { reason: "done" });
  assert.deepEqual(await finished, { reason: "done" });
  const request = () => {};
  emit("ready", { request });
  assert.equal((await pythonReady).request, request);
});
