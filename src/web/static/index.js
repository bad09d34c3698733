// The device list: one card per device with a live thumbnail (the screenshot API), refreshed every 2 s.
const list = document.getElementById("devices");
const errorBox = document.getElementById("list-error");

function card(d) {
  const li = document.createElement("li");
  li.className = "device-card";
  li.dataset.id = d.id;
  const a = document.createElement("a");
  a.href = d.page;
  const img = document.createElement("img");
  img.alt = `screen of ${d.id}`;
  img.className = "thumb";
  const title = document.createElement("h2");
  title.textContent = d.id;
  const meta = document.createElement("p");
  meta.className = "meta";
  a.append(img, title, meta);
  li.append(a);
  return li;
}

async function refresh() {
  try {
    const res = await fetch("/api/devices");
    if (!res.ok) throw new Error((await res.json()).error ?? res.statusText);
    const devices = await res.json();
    errorBox.hidden = true;
    for (const d of devices) {
      let li = list.querySelector(`li[data-id="${CSS.escape(d.id)}"]`);
      if (!li) list.append((li = card(d)));
      const size = d.size ? `${d.size.width}×${d.size.height}` : "no mode yet";
      li.querySelector(".meta").textContent =
        `${d.driver} ${d.type} · ${d.workload} · ${d.probe} · ${size} · ${d.clients} client${d.clients === 1 ? "" : "s"}` + (d.vnc ? ` · vnc ${d.vnc}` : "");
      if (d.size) li.querySelector("img").src = `/api/devices/${encodeURIComponent(d.id)}/screenshot.png?t=${Date.now()}`;
    }
    list.dataset.loaded = String(devices.length);
  } catch (e) {
    errorBox.textContent = `cannot list devices: ${e.message}`;
    errorBox.hidden = false;
  }
}

refresh();
setInterval(refresh, 2000);
