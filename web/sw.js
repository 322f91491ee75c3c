// The service worker: it keeps this site's files (page, Python runtime, wheels) in Cache Storage so that a repeat visit
// starts from cache and the app works with the network off, and it never serves a file from an older deploy.
//
// Freshness comes from manifest.json (build.py lists every file with its sha256). Each cached copy is stored under its
// path *and hash*, and is served only while the current manifest names that hash; bytes are checked against the
// manifest before they are stored, so a half-finished deploy or a truncated download is never kept.
//   - Navigations (index.html) and manifest.json: network first, the cache only when the network fails, so a new
//     deploy is seen at once; each navigation re-reads the manifest, which decides what the cache may serve.
//   - Every other file the manifest lists: from the cache when its hash is there, else from the network (then kept).
// Nothing is fetched on install: an embedded page must not download the runtime before the reader presses Train, so the
// cache fills from what pages actually fetch. The first visit's page is controlled only once `clients.claim()` has run,
// which may be after its worker fetched the runtime; so the full page, once ready, sends "warm"
// (python/offline-control.js) and the files not yet kept are fetched then (mostly revalidations of what the browser
// just downloaded).

const CACHE = "microgpt-files-v1";     // one cache for all deploys: entries are keyed by content hash
const SCOPE = self.registration.scope;
const MANIFEST = new URL("./manifest.json", SCOPE).href;

let current = null;                    // Promise of the manifest's `files` ({path: {sha256, size}}) or null

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  // Caches of an older format of this worker are of no use to this one. The Python worker's memory snapshot
  // (web/python/snapshot-control.js, SNAPSHOT_CACHE) is not this worker's to delete.
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("microgpt-") && name !== CACHE && name !== "microgpt-snapshot") await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// The path of a request inside this site ("" and "folder/" mean their index.html), or null for anything else.
function sitePath(url) {
  if (!url.startsWith(SCOPE)) return null;
  const path = new URL(url).pathname.slice(new URL(SCOPE).pathname.length);
  return path === "" || path.endsWith("/") ? path + "index.html" : path;
}

const keyOf = (path, sha256) => `${SCOPE}${path}?sha256=${sha256}`;

// The manifest from the network (kept for offline visits, and old hashes pruned), else the last one kept.
function refreshManifest() {
  current = (async () => {
    try {
      const response = await fetch(MANIFEST, { cache: "no-cache" });
      if (!response.ok) throw new Error(`manifest.json: HTTP ${response.status}`);
      const text = await response.text();
      const { files } = JSON.parse(text);
      const cache = await caches.open(CACHE);
      await cache.put(MANIFEST, new Response(text, { headers: { "Content-Type": "application/json" } }));
      await prune(cache, files);
      return files;
    } catch {
      return keptManifest();
    }
  })();
  return current;
}

async function keptManifest() {
  const kept = await caches.match(MANIFEST, { cacheName: CACHE });
  return kept ? (await kept.json()).files : null;
}

// A new deploy makes the copies of files it changed or dropped unreachable; delete them.
async function prune(cache, files) {
  const wanted = new Set(Object.entries(files).map(([path, { sha256 }]) => keyOf(path, sha256)));
  wanted.add(MANIFEST);
  for (const request of await cache.keys()) {
    if (!wanted.has(request.url)) await cache.delete(request);
  }
}

function manifestFiles() {
  current ??= keptManifest();
  return current;
}

async function sha256Hex(buffer) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", buffer));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

// Keep a response only if its bytes are exactly what the manifest lists for its path; returns whether it was kept.
async function keep(path, response, files) {
  const entry = files?.[path];
  if (!entry || response.status !== 200 || response.type !== "basic") return false;
  const body = await response.arrayBuffer();
  if ((await sha256Hex(body)) !== entry.sha256) return false;
  const cache = await caches.open(CACHE);
  await cache.put(keyOf(path, entry.sha256), new Response(body, { status: 200, headers: response.headers }));
  return true;
}

async function kept(path, files) {
  const entry = files?.[path];
  return entry ? caches.match(keyOf(path, entry.sha256), { cacheName: CACHE }) : undefined;
}

async function networkFirst(event, path, fresh) {
  try {
    // Revalidated like the manifest (a host's max-age must not pair an old page with a new manifest).
    const response = await fetch(new Request(event.request, { cache: "no-cache" }));
    event.waitUntil(fresh.then((files) => keep(path, response.clone(), files)).catch(() => false));
    return response;
  } catch (error) {
    const copy = await kept(path, await fresh);
    if (copy) return copy;
    throw error;
  }
}

async function cacheFirst(event, path) {
  const files = await manifestFiles();
  const copy = await kept(path, files);
  if (copy) return copy;
  const response = await fetch(event.request);
  event.waitUntil(keep(path, response.clone(), files).catch(() => false));
  return response;
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const path = request.method === "GET" ? sitePath(request.url) : null;
  if (path === null) return;
  if (request.mode === "navigate") {
    event.respondWith(networkFirst(event, path, refreshManifest()));
  } else if (request.url === MANIFEST) {
    // The worker reads the manifest at start; its answer is the same network-first read, so both agree.
    event.respondWith(refreshManifest().then(async (files) => {
      const copy = await caches.match(MANIFEST, { cacheName: CACHE });
      return files && copy ? copy : fetch(request);
    }));
  } else {
    event.respondWith(cacheFirst(event, path));
  }
});

// "warm": keep every file of the current manifest that is not kept yet. Replies {cached, total} on the given port.
async function warm() {
  const files = await refreshManifest();
  if (!files) throw new Error("manifest.json is not available");
  const paths = Object.keys(files);
  const results = await Promise.all(paths.map(async (path) => {
    if (await kept(path, files)) return true;
    const response = await fetch(new URL(path, SCOPE), { cache: "no-cache" });
    return keep(path, response, files);
  }));
  return { cached: results.filter(Boolean).length, total: paths.length };
}

self.addEventListener("message", (event) => {
  if (event.data?.type !== "warm" || !event.ports[0]) return;
  const port = event.ports[0];
  event.waitUntil(warm().then((result) => port.postMessage(result),
    (error) => port.postMessage({ error: String(error.message || error) })));
});
