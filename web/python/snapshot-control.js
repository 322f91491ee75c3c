// Pyodide memory snapshots of the started worker (Python up, our package imported, a fresh Session), kept in the Cache
// Storage so that a repeat visit restores memory instead of starting Python again. A snapshot pairs only with the code
// it was made from: it is stored under the sha256 of the deploy's manifest.json (which lists every file's sha256, so
// any change to the page, Pyodide or our wheel changes the key), a new deploy deletes the other deploys' snapshots,
// Pyodide itself refuses a snapshot of another build, and the bytes carry their own sha256 so a damaged entry is
// refused (and deleted) instead of restored. Everything here may fail (no Cache Storage in some frames, quota): callers
// then start Python the normal way.

export const SNAPSHOT_CACHE = "microgpt-snapshot";   // web/sw.js keeps this cache when it clears old ones

async function sha256(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

// Cache Storage keys are URLs; this one names no real file (nothing ever fetches it). Beside worker.js and the page.
const entryUrl = (key) => new URL(`../snapshot/${key}`, import.meta.url).href;

export const snapshotKey = (manifestText) => sha256(new TextEncoder().encode(manifestText));

// The stored snapshot for `key`, or null when there is none; throws (after deleting it) when it is damaged.
export async function readSnapshot(key) {
  const cache = await caches.open(SNAPSHOT_CACHE);
  const response = await cache.match(entryUrl(key));
  if (!response) return null;
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (response.headers.get("x-sha256") !== await sha256(bytes)) {
    await cache.delete(entryUrl(key));
    throw new Error("stored snapshot does not match its checksum");
  }
  return bytes;
}

// Store `bytes` as this deploy's snapshot and delete every other deploy's.
export async function writeSnapshot(key, bytes) {
  const cache = await caches.open(SNAPSHOT_CACHE);
  for (const request of await cache.keys()) {
    if (request.url !== entryUrl(key)) await cache.delete(request);
  }
  const headers = { "content-type": "application/octet-stream", "x-sha256": await sha256(bytes) };
  await cache.put(entryUrl(key), new Response(bytes, { headers }));
}

// Whether this deploy's snapshot is stored (the page asks before it starts extra workers for an experiment's arms:
// each then restores Python instead of starting it). False when Cache Storage is missing or refused.
export async function snapshotStored() {
  try {
    const manifest = await fetch(new URL("../manifest.json", import.meta.url), { cache: "no-cache" });
    const key = await snapshotKey(await manifest.text());
    return Boolean(await (await caches.open(SNAPSHOT_CACHE)).match(entryUrl(key)));
  } catch {
    return false;
  }
}

export async function deleteSnapshot(key) {
  await (await caches.open(SNAPSHOT_CACHE)).delete(entryUrl(key));
}
