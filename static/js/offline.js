// The offline reader (docs/offline.md). A meeting's papers are kept in IndexedDB, encrypted with
// AES-GCM under the key of the device's lease on the meeting. The key is never stored in clear:
// the page receives it from the server at each sync, while online and signed in, and holds it in
// memory as a non-extractable CryptoKey. It is also kept wrapped under a key derived from a PIN
// the member chooses (PBKDF2), so that a page opened without the network opens the papers once
// the PIN is typed; too many wrong PINs, or the lease's end by the clock, delete the store. Notes
// written offline wait in IndexedDB, encrypted under the same key, and go to the notes API when
// the network returns. Each sync tells the server which papers the device holds; the answer says
// which it may keep: the rest is deleted, and so is everything past its period, by the clock.
// Plain browser APIs only (IndexedDB, WebCrypto, fetch, service workers); pdf.js draws the pages.
const root = document.getElementById("offline");
// The page's texts and addresses, from its data attributes (data-text-sign-in: text.signIn).
const text = Object.fromEntries(
  Object.entries(root.dataset).map(([name, value]) => [
    name.replace(/^text(\w)/, (whole, first) => first.toLowerCase()),
    value,
  ]),
);
const keys = new Map(); // meeting id -> CryptoKey, in memory only
// The PIN's rules and cost. 600,000 rounds of PBKDF2-SHA-256 is the OWASP figure of 2023: a
// tenth to a few tenths of a second per try in the browser (docs/PERFORMANCE.md), and each guess
// of someone holding a copy of the store costs as many rounds (docs/offline.md).
const PIN_MIN = 6;
const PIN_ROUNDS = 600_000;
const PIN_TRIES = 5;
let pinKey = null; // derived from the member's PIN: wraps the meeting keys; in memory only
let db = null;
let device = null;
let syncing = null;
let pdfjs = null;
let reading = null; // {record, meta, pdf, page}

function part(name) {
  return root.querySelector(`[data-offline="${name}"]`);
}

function say(message) {
  part("status").textContent = message;
}

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
}

function when(ms) {
  return new Date(ms).toLocaleString(document.documentElement.lang || undefined, {
    dateStyle: "medium",
    timeStyle: "short",
  });
}

// IndexedDB, promised

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function openDatabase() {
  const request = indexedDB.open("offline-papers", 2);
  request.onupgradeneeded = (event) => {
    const database = request.result;
    if (event.oldVersion < 1) {
      database.createObjectStore("device", { keyPath: "name" });
      database.createObjectStore("papers", { keyPath: "document" });
      database.createObjectStore("notes", { keyPath: "id", autoIncrement: true });
    }
    if (event.oldVersion < 2) {
      // The meeting keys wrapped under the PIN's key, with their lease's issue and end.
      database.createObjectStore("keys", { keyPath: "meeting" });
    }
  };
  return done(request);
}

function store(name, mode = "readonly") {
  return db.transaction(name, mode).objectStore(name);
}

const all = (name) => done(store(name).getAll());
const put = (name, value) => done(store(name, "readwrite").put(value));
const remove = (name, key) => done(store(name, "readwrite").delete(key));

async function wipeAll() {
  for (const name of ["papers", "notes", "keys", "device"]) {
    await done(store(name, "readwrite").clear());
  }
  keys.clear();
  pinKey = null;
  device = null;
}

// WebCrypto

const encoder = new TextEncoder();

async function importKey(base64) {
  const raw = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  try {
    return await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  } finally {
    raw.fill(0);
  }
}

// The additional data binds a box to its place: a paper's bytes cannot pass for another's.
async function seal(key, bytes, place) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(place) },
    key,
    bytes,
  );
  return { iv, data };
}

function unseal(key, box, place) {
  return crypto.subtle.decrypt(
    { name: "AES-GCM", iv: box.iv, additionalData: encoder.encode(place) },
    key,
    box.data,
  );
}

const sealJson = (key, value, place) => seal(key, encoder.encode(JSON.stringify(value)), place);
const unsealJson = async (key, box, place) =>
  JSON.parse(new TextDecoder().decode(await unseal(key, box, place)));
const paperPlace = (record) => `paper:${device.id}:${record.document}:${record.version}`;
const metaPlace = (record) => `meta:${device.id}:${record.document}`;
const notePlace = (note) => `note:${device.id}:${note.document}`;
const keyPlace = (meetingId) => `key:${device.id}:${meetingId}`;

// The PIN

// A reason to refuse the PIN, or null. Six characters at least; one digit repeated or a run
// (123456, 987654) are the first any thief tries.
function pinProblem(pin) {
  if (pin.length < PIN_MIN) {
    return fill(text.pinShort, { count: PIN_MIN });
  }
  if (/^(.)\1*$/.test(pin) || "01234567890".includes(pin) || "09876543210".includes(pin)) {
    return text.pinWeak;
  }
  return null;
}

async function derivePinKey(pin, salt, rounds) {
  const material = await crypto.subtle.importKey(
    "raw",
    encoder.encode(pin.normalize("NFC")),
    "PBKDF2",
    false,
    ["deriveKey"],
  );
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations: rounds },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "unwrapKey"],
  );
}

// Keep the wrapped keys in step with the server's answer: a meeting no longer in it, or whose
// lease was issued anew (a new key), loses its wrapped key; with the PIN's key at hand, every
// key of the answer is wrapped again (its end follows the lease).
async function keepWrapped(meetings) {
  const current = new Map(meetings.map((meeting) => [meeting.meeting, meeting]));
  for (const record of await all("keys")) {
    const meeting = current.get(record.meeting);
    if (!meeting || meeting.issued_at !== record.issued) {
      await remove("keys", record.meeting);
    } else if (!pinKey) {
      record.expires = Date.parse(meeting.expires_at);
      await put("keys", record);
    }
  }
  if (!pinKey) {
    return;
  }
  for (const meeting of meetings) {
    const raw = Uint8Array.from(atob(meeting.key), (c) => c.charCodeAt(0));
    try {
      const box = await seal(pinKey, raw, keyPlace(meeting.meeting));
      await put("keys", {
        meeting: meeting.meeting,
        issued: meeting.issued_at,
        expires: Date.parse(meeting.expires_at),
        box,
      });
    } finally {
      raw.fill(0);
    }
  }
}

function unwrap(candidate, record) {
  return crypto.subtle.unwrapKey(
    "raw",
    record.box.data,
    candidate,
    { name: "AES-GCM", iv: record.box.iv, additionalData: encoder.encode(keyPlace(record.meeting)) },
    "AES-GCM",
    false,
    ["encrypt", "decrypt"],
  );
}

// Offline (or signed out), the PIN opens the papers: each try is counted in the store before it
// is judged, so that closing the page does not give a free one; the last wrong try deletes all.
async function unlock(event) {
  event.preventDefault();
  const field = event.target.elements.pin;
  const pin = field.value;
  if (!pin) {
    return;
  }
  const button = event.target.querySelector("button");
  button.disabled = true;
  try {
    await deleteByClock();
    const wrapped = (await all("keys")).filter((record) => !keys.has(record.meeting));
    const settings = await done(store("device").get("pin"));
    if (!wrapped.length || !settings) {
      closeReader();
      await render();
      say(text.pinExpired);
      return;
    }
    settings.tries += 1;
    await put("device", settings);
    say(text.unlocking);
    const candidate = await derivePinKey(pin, settings.salt, settings.rounds);
    const opened = new Map();
    try {
      for (const record of wrapped) {
        opened.set(record.meeting, await unwrap(candidate, record));
      }
    } catch (error) {
      field.value = "";
      if (settings.tries >= PIN_TRIES) {
        await wipeAll();
        closeReader();
        await render();
        say(text.pinWiped);
      } else {
        say(fill(text.pinWrong, { count: PIN_TRIES - settings.tries }));
        field.focus();
      }
      return;
    }
    field.value = "";
    settings.tries = 0;
    await put("device", settings);
    pinKey = candidate;
    for (const [meetingId, key] of opened) {
      keys.set(meetingId, key);
    }
    await render();
    say(text.unlocked);
  } finally {
    button.disabled = false;
  }
}

// The server

function csrfToken() {
  const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
  return cookie
    ? decodeURIComponent(cookie.split("=")[1])
    : document.querySelector('meta[name="csrf-token"]').content;
}

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(body),
  });
  const data = response.headers.get("Content-Type")?.includes("json") ? await response.json() : {};
  return { status: response.status, data };
}

async function ensureDevice() {
  if (device) {
    return device;
  }
  // A name the secretariat can tell apart on its screen: the kind of device and its system.
  const system = navigator.userAgentData?.platform || navigator.platform || "";
  const name = system ? `${text.deviceName} (${system})` : text.deviceName;
  const answer = await post(text.registerUrl, { name });
  if (answer.status !== 201) {
    throw new Error(answer.data.error || text.failed);
  }
  device = { name: "device", id: answer.data.device, user: text.user };
  await put("device", device);
  return device;
}

async function deleteByClock() {
  const now = Date.now();
  let deleted = false;
  const over = new Set();
  for (const record of await all("keys")) {
    if (record.expires <= now) {
      await remove("keys", record.meeting);
      over.add(record.meeting);
    }
  }
  for (const record of await all("papers")) {
    if (record.expires <= now || over.has(record.meeting)) {
      await remove("papers", record.document);
      keys.delete(record.meeting);
      deleted = true;
    }
  }
  for (const note of await all("notes")) {
    if (note.expires <= now) {
      await remove("notes", note.id);
    }
  }
  return deleted;
}

async function sendNotes() {
  let sent = 0;
  for (const note of await all("notes")) {
    const key = keys.get(note.meeting);
    if (!key) {
      continue;
    }
    const content = await unsealJson(key, note.box, notePlace(note));
    const answer = await post(content.notesUrl, { page: content.page, text: content.text });
    if (answer.status === 201) {
      sent += 1;
      await remove("notes", note.id);
    } else if ([400, 403, 404].includes(answer.status)) {
      // Refused for good (the paper may no longer be annotated): the member is told.
      await remove("notes", note.id);
      const reason = answer.data.detail || answer.data.error || text.failed;
      say(fill(text.noteRefused, { title: content.title, reason }));
    } else {
      break;
    }
  }
  return sent;
}

async function download(paper, meeting, key) {
  const response = await fetch(paper.url, { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) {
    return;
  }
  const bytes = await response.arrayBuffer();
  let notes = [];
  const listed = await fetch(paper.notes_url, { credentials: "same-origin", cache: "no-store" });
  if (listed.ok) {
    notes = (await listed.json()).map((note) => ({ page: note.page, text: note.text }));
  }
  const record = {
    document: paper.document,
    meeting: meeting.meeting,
    version: paper.version,
    expires: Date.parse(meeting.expires_at),
  };
  record.pdf = await seal(key, bytes, paperPlace(record));
  record.meta = await sealJson(
    key,
    {
      title: paper.title,
      meetingTitle: meeting.title,
      classification: paper.classification,
      pages: paper.pages,
      notesUrl: paper.notes_url,
      notes,
    },
    metaPlace(record),
  );
  await put("papers", record);
}

// Bring the store in line with the server's answer: what the device may keep, and the keys.
async function apply(answer) {
  const unlockedBefore = [...keys.keys()].sort().join();
  const allowed = new Map();
  const refused = new Set(keys.keys());
  for (const meeting of answer.meetings) {
    keys.set(meeting.meeting, await importKey(meeting.key));
    refused.delete(meeting.meeting);
    for (const paper of meeting.papers) {
      allowed.set(paper.document, { paper, meeting });
    }
  }
  await keepWrapped(answer.meetings);
  const sent = await sendNotes();
  let removed = false;
  const stored = new Map();
  for (const record of await all("papers")) {
    const entry = allowed.get(record.document);
    if (!entry) {
      removed = true;
      refused.add(record.meeting);
      await remove("papers", record.document);
    } else if (entry.paper.version !== record.version) {
      await remove("papers", record.document);
    } else {
      stored.set(record.document, record);
      // A renewed lease runs longer: the clock's deletion follows it.
      record.expires = Date.parse(entry.meeting.expires_at);
      await put("papers", record);
    }
  }
  for (const meeting of refused) {
    if (!answer.meetings.some((m) => m.meeting === meeting)) {
      keys.delete(meeting);
    }
  }
  for (const note of await all("notes")) {
    if (!keys.has(note.meeting)) {
      await remove("notes", note.id);
    }
  }
  let changed = removed;
  for (const [documentId, { paper, meeting }] of allowed) {
    if (!stored.has(documentId)) {
      await download(paper, meeting, keys.get(meeting.meeting));
      changed = true;
    }
  }
  if (changed) {
    // Tell the server what the device holds now: its record of the device follows.
    const held = (await all("papers")).map((record) => record.document);
    await post(`${text.devicesUrl}${device.id}/sync/`, { held });
  }
  if (reading && !(await all("papers")).some((r) => r.document === reading.record.document)) {
    closeReader();
  }
  // Drawn again only when something changed: a list rebuilt every minute would lose focus.
  if (changed || [...keys.keys()].sort().join() !== unlockedBefore) {
    await render();
  }
  if (removed) {
    say(text.removed);
  } else if (sent) {
    say(fill(text.noteSent, { count: sent }));
  }
}

async function sync() {
  if (!navigator.onLine) {
    return;
  }
  if (syncing) {
    return syncing;
  }
  syncing = (async () => {
    try {
      if (!device) {
        return;
      }
      const held = (await all("papers")).map((record) => record.document);
      const answer = await post(`${text.devicesUrl}${device.id}/sync/`, { held });
      if (answer.status === 401) {
        say(text.signIn);
      } else if (answer.status === 404) {
        // The server does not know this device as the member's: nothing may stay on it.
        await wipeAll();
        await render();
        say(text.removed);
      } else if (answer.status === 200) {
        say(text.online);
        await apply(answer.data);
      } else {
        say(text.failed);
      }
    } catch (error) {
      say(navigator.onLine ? text.failed : text.offline);
    } finally {
      syncing = null;
    }
  })();
  return syncing;
}

// A new PIN for this device, from the take form: its key, and the settings to store once the
// server answered. Online, the server hands every key again, so a new PIN (a forgotten one)
// wraps them all afresh; it needs no old PIN.
async function choosePin() {
  const field = part("pin");
  const pin = field.value;
  const problem = pinProblem(pin) || (pin !== part("pin-again").value ? text.pinMismatch : null);
  if (problem) {
    say(problem);
    field.setAttribute("aria-invalid", "true");
    field.focus();
    return null;
  }
  field.removeAttribute("aria-invalid");
  const settings = {
    name: "pin",
    salt: crypto.getRandomValues(new Uint8Array(16)),
    rounds: PIN_ROUNDS,
    tries: 0,
  };
  return { settings, key: await derivePinKey(pin, settings.salt, settings.rounds) };
}

async function take(button) {
  const chosen = pinKey ? null : await choosePin();
  if (!pinKey && !chosen) {
    return;
  }
  button.disabled = true;
  say(text.taking);
  try {
    await ensureDevice();
    const meetingId = parseInt(button.dataset.offlineTake, 10);
    const answer = await post(`${text.devicesUrl}${device.id}/meetings/${meetingId}/`, {});
    if (answer.status === 401) {
      say(text.signIn);
      return;
    }
    if (answer.status !== 200) {
      say(answer.data.error || text.failed);
      return;
    }
    if (chosen) {
      await done(store("keys", "readwrite").clear());
      await put("device", chosen.settings);
      pinKey = chosen.key;
      part("pin").value = "";
      part("pin-again").value = "";
    }
    await apply(answer.data);
    const meeting = answer.data.meetings.find((m) => m.meeting === meetingId);
    if (meeting) {
      say(fill(text.taken, { count: meeting.papers.length, date: when(Date.parse(meeting.expires_at)) }));
    }
  } catch (error) {
    say(text.failed);
  } finally {
    button.disabled = false;
  }
}

// The page

async function render() {
  const list = part("kept");
  list.replaceChildren();
  part("pin-replace").hidden = Boolean(pinKey) || !(await all("keys")).length;
  showPinChoice();
  part("unlock").hidden = true;
  const records = await all("papers");
  if (!records.length) {
    const empty = document.createElement("p");
    empty.className = "muted";
    empty.textContent = text.none;
    list.append(empty);
    return;
  }
  const items = document.createElement("ul");
  items.className = "plain-list offline-papers";
  const locked = new Set();
  for (const record of records) {
    const key = keys.get(record.meeting);
    if (!key) {
      locked.add(record.meeting);
      continue;
    }
    const meta = await unsealJson(key, record.meta, metaPlace(record));
    const item = document.createElement("li");
    item.id = `offline-paper-${record.document}`;
    const label = document.createElement("span");
    label.textContent = `${meta.title} · ${meta.meetingTitle} · ${meta.classification} · `;
    const until = document.createElement("span");
    until.className = "muted";
    until.textContent = fill(text.until, { date: when(record.expires) });
    label.append(until);
    const open = document.createElement("button");
    open.type = "button";
    open.className = "button button-small";
    open.textContent = text.read;
    open.setAttribute("aria-label", `${text.read}: ${meta.title}`);
    open.addEventListener("click", () => read(record.document));
    item.append(label, open);
    items.append(item);
  }
  if (locked.size) {
    const wrapped = (await all("keys")).some((record) => locked.has(record.meeting));
    const notice = document.createElement("p");
    notice.className = "notice";
    notice.dataset.offline = "locked";
    notice.textContent = wrapped ? text.lockedPin : text.locked;
    list.append(notice);
    part("unlock").hidden = !wrapped;
  }
  list.append(items);
}

async function read(documentId) {
  const record = (await all("papers")).find((r) => r.document === documentId);
  const key = record && keys.get(record.meeting);
  if (!key) {
    say(text.locked);
    return;
  }
  const meta = await unsealJson(key, record.meta, metaPlace(record));
  const bytes = await unseal(key, record.pdf, paperPlace(record));
  if (!pdfjs) {
    pdfjs = await import(text.pdfjsUrl);
    pdfjs.GlobalWorkerOptions.workerSrc = text.workerSrc;
  }
  const pdf = await pdfjs.getDocument({ data: new Uint8Array(bytes), isEvalSupported: false })
    .promise;
  reading = { record, meta, pdf, page: 1 };
  part("reader").hidden = false;
  part("title").textContent = meta.title;
  await draw();
  await showNotes();
  part("reader").scrollIntoView();
}

function closeReader() {
  reading = null;
  part("reader").hidden = true;
  part("canvas").removeAttribute("data-rendered-page");
}

async function draw() {
  const { pdf, page } = reading;
  const canvas = part("canvas");
  const current = await pdf.getPage(page);
  const fit = (canvas.parentElement.clientWidth || 800) / current.getViewport({ scale: 1 }).width;
  const ratio = window.devicePixelRatio || 1;
  const viewport = current.getViewport({ scale: fit * ratio });
  canvas.width = Math.floor(viewport.width);
  canvas.height = Math.floor(viewport.height);
  canvas.style.width = `${Math.floor(viewport.width / ratio)}px`;
  await current.render({ canvasContext: canvas.getContext("2d"), viewport }).promise;
  canvas.dataset.renderedPage = String(page);
  part("position").textContent = fill(text.page, { page, total: pdf.numPages });
  part("note-label").textContent = fill(text.notePage, { page });
}

async function showNotes() {
  const list = part("notes");
  list.replaceChildren();
  const { record, meta } = reading;
  const key = keys.get(record.meeting);
  const pending = [];
  for (const note of await all("notes")) {
    if (note.document === record.document && key) {
      pending.push(await unsealJson(key, note.box, notePlace(note)));
    }
  }
  for (const note of [...meta.notes, ...pending.map((n) => ({ ...n, pending: true }))]) {
    const item = document.createElement("li");
    item.className = note.pending ? "note note-pending" : "note";
    const head = document.createElement("p");
    head.className = "note-head";
    head.textContent = fill(text.noteAt, { page: note.page });
    if (note.pending) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = text.notePending;
      head.append(" ", badge);
    }
    const body = document.createElement("p");
    body.className = "note-text";
    body.textContent = note.text;
    item.append(head, body);
    list.append(item);
  }
}

async function addNote(event) {
  event.preventDefault();
  const field = event.target.elements.text;
  const value = field.value.trim();
  if (!reading || !value) {
    return;
  }
  const { record, meta, page } = reading;
  const key = keys.get(record.meeting);
  if (!key) {
    say(text.locked);
    return;
  }
  const note = { meeting: record.meeting, document: record.document, expires: record.expires };
  note.box = await sealJson(
    key,
    { page, text: value, title: meta.title, notesUrl: meta.notesUrl },
    notePlace(note),
  );
  await put("notes", note);
  field.value = "";
  await showNotes();
  sync();
}

// The PIN is chosen once per page, when taking papers (online only): afterwards its key, in
// memory, wraps the new keys.
function showPinChoice() {
  part("pin-choice").hidden = Boolean(pinKey) || !navigator.onLine;
}

function showConnection() {
  say(navigator.onLine ? text.online : text.offline);
  showPinChoice();
  root.querySelectorAll("[data-offline-take]").forEach((button) => {
    button.disabled = !navigator.onLine;
  });
}

async function start() {
  if (!window.indexedDB || !window.crypto?.subtle) {
    say(text.unsupported);
    return;
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(text.workerUrl, { scope: "/" }).catch(() => {});
  }
  db = await openDatabase();
  await deleteByClock();
  device = (await done(store("device").get("device"))) || null;
  if (device && device.user !== text.user) {
    // Another member's papers on a shared tablet: they go before anything is shown.
    await wipeAll();
  }
  showConnection();
  await render();
  root.querySelectorAll("[data-offline-take]").forEach((button) => {
    button.addEventListener("click", () => take(button));
  });
  part("previous").addEventListener("click", () => {
    if (reading && reading.page > 1) {
      reading.page -= 1;
      draw();
    }
  });
  part("next").addEventListener("click", () => {
    if (reading && reading.page < reading.pdf.numPages) {
      reading.page += 1;
      draw();
    }
  });
  part("note-form").addEventListener("submit", addNote);
  part("unlock").addEventListener("submit", unlock);
  window.addEventListener("online", () => {
    showConnection();
    sync();
  });
  window.addEventListener("offline", showConnection);
  // Every minute: the clock's deletion, and while online a sync, so that a wipe or a withdrawn
  // paper reaches a tablet that stays online with the page open.
  window.setInterval(async () => {
    if (await deleteByClock()) {
      if (reading && !keys.has(reading.record.meeting)) {
        closeReader();
      }
      await render();
    }
    await sync();
  }, 60_000);
  await sync();
  root.dataset.ready = "true";
}

start();
