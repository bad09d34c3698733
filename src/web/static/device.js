// One device: noVNC over the web console's WebSocket (/ws/<id>) and the inspector, fed by Server-Sent
// Events (/api/devices/<id>/events). No framework; state is mirrored into data-* attributes so tests and
// styles can read it.
import RFB from "/novnc/core/rfb.js";

const id = decodeURIComponent(location.pathname.split("/").pop());
const $ = (sel) => document.getElementById(sel);
const stateEl = $("state");
const screenEl = $("screen");
const inspectorEl = $("inspector");
let rfb;
let inspectorUpdates = 0;

document.title = `vfio-display — ${id}`;
$("device-name").textContent = id;

function setState(state, text = state) {
  stateEl.dataset.state = state;
  stateEl.textContent = text;
  $("reconnect").hidden = state !== "disconnected";
}

function applyViewMode() {
  if (!rfb) return;
  const mode = $("view-mode").value;
  rfb.scaleViewport = mode === "scale";
  rfb.resizeSession = mode === "resize";
  rfb.clipViewport = mode === "native";
  localStorage.setItem("vfio-display.view-mode", mode);
}

function connect() {
  setState("connecting", "connecting…");
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  rfb = new RFB(screenEl, `${scheme}://${location.host}/ws/${encodeURIComponent(id)}`, { shared: true });
  rfb.background = "#111";
  rfb.focusOnClick = true;
  applyViewMode();
  rfb.addEventListener("connect", () => {
    setState("connected");
    rfb.focus();
  });
  rfb.addEventListener("disconnect", (e) => setState("disconnected", e.detail.clean ? "disconnected" : "connection lost"));
  rfb.addEventListener("securityfailure", (e) => setState("disconnected", `refused: ${e.detail.reason ?? "security failure"}`));
  rfb.addEventListener("credentialsrequired", () => {
    setState("password", "password needed");
    $("password-dialog").hidden = false;
    $("password").focus();
  });
  rfb.addEventListener("desktopname", (e) => ($("device-name").textContent = e.detail.name));
  rfb.addEventListener("clipboard", (e) => ($("clipboard").value = e.detail.text));
  window.vfioDisplay.rfb = rfb;
}

$("password-form").addEventListener("submit", (e) => {
  e.preventDefault();
  $("password-dialog").hidden = true;
  rfb.sendCredentials({ password: $("password").value });
});
$("view-mode").value = localStorage.getItem("vfio-display.view-mode") ?? "scale";
$("view-mode").addEventListener("change", applyViewMode);
$("ctrl-alt-del").addEventListener("click", () => rfb?.sendCtrlAltDel());
$("fullscreen").addEventListener("click", () => {
  if (document.fullscreenElement) document.exitFullscreen();
  else document.documentElement.requestFullscreen().catch(() => {});
});
$("reconnect").addEventListener("click", connect);
$("clipboard-send").addEventListener("click", () => rfb?.clipboardPasteFrom($("clipboard").value));

// ---- inspector ----

function facts(dl, pairs) {
  dl.replaceChildren(
    ...pairs.flatMap(([k, v]) => {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = v;
      dd.dataset.key = k;
      return [dt, dd];
    }),
  );
}

function planeRows(primary, cursor) {
  // an invisible plane (no cursor, display off) has only its state to show
  const cell = (p, f, name) => (!p ? "—" : p.visible ? f(p) : name === "format" ? "off" : "—");
  const rows = [
    ["format", (p) => p.drmFormat],
    ["modifier", (p) => p.modifier],
    ["size", (p) => `${p.width}×${p.height}`],
    ["stride", (p) => String(p.stride)],
    ["position", (p) => `${p.x}, ${p.y}`],
    ["hotspot", (p) => (p.hotspot ? `${p.hotspot.x}, ${p.hotspot.y}` : "unknown")],
    ["dmabuf_id", (p) => String(p.id)],
  ];
  $("planes").replaceChildren(
    ...rows.map(([name, f]) => {
      const tr = document.createElement("tr");
      tr.dataset.row = name;
      for (const text of [name, cell(primary, f, name), cell(cursor, f, name)]) {
        const td = document.createElement("td");
        td.textContent = text;
        tr.append(td);
      }
      return tr;
    }),
  );
}

function formatBytes(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB/s`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB/s`;
  return `${n} B/s`;
}

function render(s) {
  facts($("device-facts"), [
    ["driver", `${s.driver} (${s.parent})`],
    ["type", s.type],
    ["uuid", s.uuid],
    ["workload", s.workload],
    ["probe", s.probe === "dmabuf" ? "dma-buf" : s.probe],
    ["mode", s.size ? `${s.size.width}×${s.size.height}` : "none"],
    ["EDID resize", s.edid ? "yes" : "no"],
    ["VNC", s.vnc ?? "web only"],
  ]);
  planeRows(s.planes.primary, s.planes.cursor);
  facts($("cache"), [
    ["ids", s.dmabufCache.ids.join(", ") || "empty"],
    ["hits", String(s.dmabufCache.hits)],
    ["misses", String(s.dmabufCache.misses)],
    ["evictions", String(s.dmabufCache.evictions)],
  ]);
  facts($("traffic"), [
    ["refresh", `${s.refreshHz} Hz`],
    ["fps", String(s.fps)],
    ["clients", String(s.clients)],
    ["bytes/s", formatBytes(s.bytesPerSecond)],
    ["queries", String(s.consumer.queries)],
    ["frames", String(s.consumer.frames)],
  ]);
  $("clients").replaceChildren(
    ...s.vncClients.map((c) => {
      const li = document.createElement("li");
      const quality = c.jpegQuality >= 0 ? ` q${c.jpegQuality}` : "";
      li.textContent = `#${c.id} ${c.address} · ${c.encoding}${quality} · ${c.updates} updates · ${(c.bytes / 1e6).toFixed(2)} MB · ${c.connectedSeconds} s`;
      return li;
    }),
  );
  $("updated").textContent = new Date(s.at).toLocaleTimeString();
  inspectorUpdates++;
  inspectorEl.dataset.updates = String(inspectorUpdates);
  window.vfioDisplay.last = s;
}

function subscribe() {
  const events = new EventSource(`/api/devices/${encodeURIComponent(id)}/events`);
  events.addEventListener("inspect", (e) => render(JSON.parse(e.data)));
  events.addEventListener("error", () => inspectorEl.classList.add("stale"));
  events.addEventListener("open", () => inspectorEl.classList.remove("stale"));
}

window.vfioDisplay = { rfb: undefined, last: undefined };
connect();
subscribe();
