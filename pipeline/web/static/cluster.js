// clusterpack: a cluster's form. Every change is checked by the server (the same checks as the CLI)
// and saved to the cluster's own file; messages land beside the input their problem names.
"use strict";
const app = document.getElementById("app");
const CLUSTER = app.dataset.cluster;
const PROGRAMME = app.dataset.programme;
const EDITABLE = app.dataset.editable === "yes";
const form = document.getElementById("form");
const API = `/api/c/${encodeURIComponent(CLUSTER)}`;
const STATUS_CLASS = { "通过": "pass", "放宽": "relaxed", "未达到": "fail", "缺佐证": "missing", "未达到（原则上）": "advisory" };

// --- table rows and sections: made from a template, numbered, renumbered when one is removed ---------------------
function holder(path) {
  const box = form.querySelector(`[data-path="${CSS.escape(path)}"]`);
  return box.tagName === "TABLE" ? box.tBodies[0] : box;
}

function setIndex(node, path, from, to) {
  const re = new RegExp("^" + path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "\\." + from + "(?=\\.|$)");
  for (const n of [node, ...node.querySelectorAll("[name],[data-name],[id],[for]")]) {
    for (const attr of ["name", "data-name", "id", "for"]) {
      const v = n.getAttribute(attr);
      if (v === null) continue;
      const prefix = attr === "id" || attr === "for" ? "f-" : "";
      if (v.startsWith(prefix)) n.setAttribute(attr, prefix + v.slice(prefix.length).replace(re, `${path}.${to}`));
    }
  }
}

function addRow(path) {
  const box = holder(path);
  const index = box.querySelectorAll(":scope > .row").length;
  const row = document.querySelector(`template[data-row="${CSS.escape(path)}"]`).content.firstElementChild.cloneNode(true);
  setIndex(row, path, "#", index);
  row.querySelectorAll(".n").forEach((n) => { n.textContent = index + 1; });
  row.querySelector(".remove").addEventListener("click", () => { removeRow(path, row); });
  box.appendChild(row);
  return row;
}

function removeRow(path, row) {
  const box = holder(path);
  row.remove();
  box.querySelectorAll(":scope > .row").forEach((r, i) => {
    const old = r.getAttribute("data-name").split(".").pop();
    if (String(i) !== old) setIndex(r, path, old, i);
    r.querySelectorAll(".n").forEach((n) => { n.textContent = i + 1; });
  });
  changed();
}

function rowsIn(cells, path) {
  let most = -1;
  const re = new RegExp("^" + path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "\\.(\\d+)\\.");
  for (const name of Object.keys(cells)) {
    const m = re.exec(name);
    if (m) most = Math.max(most, Number(m[1]));
  }
  return most + 1;
}

function setValue(input, value) {
  if (input.tagName === "SELECT" && value && ![...input.options].some((o) => o.value === value)) {
    input.appendChild(el("option", { value: value }, value));  // a value typed elsewhere is kept, and checked
  }
  input.value = value;
}

function fill(cells) {
  for (const template of document.querySelectorAll("template[data-row]")) {
    const path = template.dataset.row;
    for (let i = 0; i < rowsIn(cells, path); i++) addRow(path);
  }
  for (const input of form.querySelectorAll("[name]")) {
    if (cells[input.name] !== undefined) setValue(input, cells[input.name]);
  }
}

function collect() {
  const cells = {};
  for (const input of form.querySelectorAll("input[name],select[name],textarea[name]")) {
    if (input.type !== "file" && !input.closest("template")) cells[input.name] = input.value;
  }
  return cells;
}

// --- checking and saving -------------------------------------------------------------------------------------------
let asked = 0;
let shown = 0;

function place(problem) {
  let name = problem.field || "";
  while (name) {
    const target = form.querySelector(`[data-name="${CSS.escape(name)}"]`);
    if (target) return target;
    name = name.includes(".") ? name.slice(0, name.lastIndexOf(".")) : "";
  }
  return null;
}

function showProblems(problems) {
  form.querySelectorAll(".bad,.warn,.notice").forEach((n) => n.classList.remove("bad", "warn", "notice"));
  form.querySelectorAll(".msg").forEach((n) => { n.textContent = ""; });
  const general = document.getElementById("general-list");
  general.textContent = "";
  for (const p of problems) {
    const line = el("div", { class: `line ${p.severity}`, "data-code": p.code }, `[${p.code}] ${p.message}`);
    const target = place(p);
    const kind = p.severity === "error" ? "bad" : p.severity === "warning" ? "warn" : "notice";
    if (target && target.querySelector(".msg")) {
      target.classList.add(kind);
      target.querySelector(".msg").appendChild(line);
    } else {
      const item = el("li", { class: p.severity, "data-code": p.code }, `[${p.code}] ${p.where ? p.where + "：" : ""}${p.message}`);
      general.appendChild(item);
    }
  }
  document.getElementById("general").classList.toggle("hidden", !general.children.length);
}

let shownConditions = false;
function showConditions(conditions) {
  shownConditions = conditions.length > 0;
  const body = document.querySelector("#conditions tbody");
  body.textContent = "";
  for (const c of conditions) {
    const row = el("tr", { "data-rule": c.id });
    row.appendChild(el("td", {}, c.clause));
    row.appendChild(el("td", {}, c.title));
    row.appendChild(el("td", {}, c.actual));
    const status = el("td", { class: `status ${STATUS_CLASS[c.status] || ""}` }, c.status);
    row.appendChild(status);
    body.appendChild(row);
  }
}

function showResult(result) {
  if (!result.ok) {
    document.getElementById("summary").textContent = `[${result.code}] ${result.message}`;
    if (result.problems) showProblems(result.problems);
    return;
  }
  showProblems(result.problems);
  const stale = document.getElementById("conditions-stale");
  if (result.conditions.length || !result.errors) showConditions(result.conditions);
  stale.classList.toggle("hidden", !(result.errors && !result.conditions.length && shownConditions));
  document.getElementById("conditions").classList.toggle("stale", !stale.classList.contains("hidden"));
  const summary = document.getElementById("summary");
  summary.className = "summary " + (result.errors ? "bad" : result.blocking ? "warn" : "good");
  summary.textContent = result.errors
    ? `有 ${result.errors} 处错误需要改正（改正后才能生成正式材料）`
    : result.blocking
      ? `数据无误；有 ${result.blocking} 项申报条件未满足（可生成草稿）`
      : `数据无误，申报条件均满足${result.warnings ? `（${result.warnings} 条提示）` : ""}`;
  document.getElementById("headline").textContent = result.headline || "";
}

async function check() {
  const mine = ++asked;
  const result = await call(`${API}/check`, { programme: PROGRAMME, cells: collect() });
  if (mine < shown) return;
  shown = mine;
  showResult(result);
}

let saving = Promise.resolve();
async function save() {
  if (!EDITABLE) return null;
  const state = document.getElementById("save-state");
  state.textContent = "正在保存…";
  const mine = ++asked;
  const result = await call(`${API}/save`, { programme: PROGRAMME, cells: collect() });
  if (result.ok) {
    state.textContent = `已保存到 ${result.saved}（${new Date().toLocaleTimeString("zh-CN")}）`;
    state.className = "state good";
  } else {
    state.textContent = `未能保存：[${result.code}] ${result.message}`;
    state.className = "state bad";
  }
  if (mine >= shown) { shown = mine; showResult(result); }
  return result;
}

const checkSoon = debounce(check, 250);
const saveSoon = debounce(() => { saving = save(); }, 1200);
function changed() { checkSoon(); saveSoon(); }
form.addEventListener("input", changed);
form.addEventListener("change", changed);
for (const button of form.querySelectorAll("[data-add]")) {
  button.addEventListener("click", () => {
    const row = addRow(button.dataset.add);
    const first = row.querySelector("input,select,textarea");
    if (first) first.focus();
    changed();
  });
}

// --- uploads: a proof (drag and drop, or choose), a signed scan ----------------------------------------------------
async function uploadProof(file) {
  const state = document.getElementById("proof-state");
  const category = document.getElementById("proof-category").value;
  const title = document.getElementById("proof-title").value.trim() || file.name.replace(/\.[^.]*$/, "");
  const sensitive = document.getElementById("proof-sensitive").checked;
  const body = new FormData();
  body.append("file", file, file.name);
  state.textContent = `正在上传 ${file.name}…`;
  const result = await call(`${API}/proof?programme=${encodeURIComponent(PROGRAMME)}`, body);
  if (!result.ok) {
    state.textContent = `[${result.code}] ${result.message}`;
    state.className = "state bad";
    return;
  }
  const row = addRow("attachments");
  const set = (key, value) => { const i = row.querySelector(`[name="attachments.${row.dataset.name.split(".").pop()}.${key}"]`); if (i) setValue(i, value); };
  set("title", title);
  set("category", category);
  set("file", result.file);
  set("sensitive", sensitive ? "是" : "否");
  state.textContent = `已上传：${result.file}（已加入“佐证材料”表）`;
  state.className = "state good";
  document.getElementById("proof-title").value = "";
  await check();
  saving = save();
}

const drop = document.getElementById("drop");
const picker = document.getElementById("proof-file");
drop.addEventListener("click", () => picker.click());
drop.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") picker.click(); });
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  for (const file of e.dataTransfer.files) uploadProof(file);
});
picker.addEventListener("change", () => { for (const file of picker.files) uploadProof(file); picker.value = ""; });

for (const input of document.querySelectorAll(".signed-file")) {
  input.addEventListener("change", async () => {
    const state = document.getElementById("signed-state");
    const body = new FormData();
    body.append("document", input.dataset.document);
    body.append("file", input.files[0], input.files[0].name);
    const result = await call(`${API}/signed?programme=${encodeURIComponent(PROGRAMME)}`, body);
    state.textContent = result.ok ? "扫描件已上传" : `[${result.code}] ${result.message}`;
    state.className = result.ok ? "state good" : "state bad";
    if (result.ok) input.closest("tr").querySelector(".have").textContent = "已上传";
    input.value = "";
    check();
  });
}

// --- the build, its progress, the packet -------------------------------------------------------------------------
function link(href, text) { return el("a", { href: href, download: "" }, text); }

function showPacket(packet) {
  const box = document.getElementById("packet");
  box.textContent = "";
  if (!packet) return;
  const base = `/c/${encodeURIComponent(CLUSTER)}`;
  const prog = encodeURIComponent(PROGRAMME);
  box.appendChild(el("p", { class: packet.draft ? "warn" : "good" },
    `${packet.file}：共 ${packet.pages} 页${packet.draft ? "（草稿：有条件未满足）" : ""}`));
  const links = el("p", { class: "links" });
  links.appendChild(link(`${base}/out/${prog}/${encodeURIComponent(packet.file)}`, "下载 PDF"));
  links.appendChild(link(`${base}/zip/${prog}/word`, "下载 Word 文件（zip）"));
  links.appendChild(link(`${base}/zip/${prog}/all`, "下载全部（zip）"));
  box.appendChild(links);
  const list = el("details", {});
  list.appendChild(el("summary", {}, "单个文件"));
  for (const name of packet.files) {
    const p = el("p", {});
    p.appendChild(link(`${base}/out/${prog}/${encodeURIComponent(name)}`, name));
    list.appendChild(p);
  }
  box.appendChild(list);
  const thumbs = el("div", { class: "thumbs", id: "thumbs" });
  for (let n = 1; n <= packet.pages; n++) {
    const img = el("img", { src: `${base}/thumb/${prog}/${encodeURIComponent(packet.file)}/${n}`, alt: `第 ${n} 页`, loading: "lazy", title: `第 ${n} 页` });
    thumbs.appendChild(img);
  }
  box.appendChild(thumbs);
}

function showJob(data) {
  const job = data.job;
  const phases = document.getElementById("phases");
  const state = document.getElementById("build-state");
  phases.textContent = "";
  for (const p of job.phases || []) phases.appendChild(el("li", { class: "done" }, p));
  if (job.state === "running") {
    state.textContent = `正在生成…（${job.seconds} 秒）`;
    state.className = "state";
  } else if (job.state === "done") {
    state.textContent = `已生成（用时 ${job.seconds} 秒）`;
    state.className = "state good";
  } else if (job.state === "failed") {
    state.textContent = `未生成：${job.message}${data.packet ? "；上次生成的材料仍可下载" : ""}`;
    state.className = "state bad";
    if (job.problems && job.problems.length) showProblems(job.problems);
  }
  showPacket(data.packet);
}

async function poll() {
  const data = await call(`${API}/build?programme=${encodeURIComponent(PROGRAMME)}`, undefined, "GET");
  if (!data.ok) return;
  showJob(data);
  if (data.job.state === "running") setTimeout(poll, 800);
  else document.getElementById("build-button").disabled = !EDITABLE;
}

document.getElementById("build-button").addEventListener("click", async () => {
  const button = document.getElementById("build-button");
  button.disabled = true;
  await saving;
  const saved = await save();
  if (saved && !saved.ok) { button.disabled = false; return; }
  const data = await call(`${API}/build`, { programme: PROGRAMME });
  if (!data.ok) {
    document.getElementById("build-state").textContent = `[${data.code}] ${data.message}`;
    button.disabled = false;
    return;
  }
  showJob(data);
  setTimeout(poll, 500);
});

fill(JSON.parse(document.getElementById("cells").textContent));
check();
poll();
