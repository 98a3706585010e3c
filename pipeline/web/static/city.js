// clusterpack: the clerk's page. The recommendation is saved to the city's decision file and checked
// by the library (the same check as `clusterpack city`); every text shown is set as text, never HTML.
"use strict";
const desk = document.getElementById("desk");
const CITY = desk.dataset.city;
const PROGRAMME = desk.dataset.programme;
const API = `/api/city/${encodeURIComponent(CITY)}`;
const list = document.getElementById("order");
const FIRST_PAGES = 8;  // the 目录 and the letter; the rest on asking
let state = JSON.parse(document.getElementById("state").textContent);

// --- the clusters, in recommendation order ----------------------------------------------------------------------
function verdictClass(row) {
  if (!row.readable || row.errors) return "bad";
  if (row.blocking.length) return row.reason ? "forced" : "bad";
  return row.short === "达到" ? "good" : "relaxed";
}

function statusOf(row) {
  const box = el("div", { class: "status" });
  if (!row.readable) {
    box.appendChild(el("span", { class: "verdict bad" }, "无法读取"));
    box.appendChild(el("p", { class: "sentence" }, row.message));
    return box;
  }
  box.appendChild(el("span", { class: `verdict ${verdictClass(row)}` }, row.short));
  const counts = [`${row.errors} 处错误`, `${row.warnings} 处提醒`];
  if (row.blocking.length) counts.push(`未满足：${row.blocking.join("、")}`);
  box.appendChild(el("span", { class: "counts" }, counts.join(" · ")));
  if (row.city && row.city !== CITY) box.appendChild(el("span", { class: "verdict bad" }, `属于 ${row.city}`));
  if (row.sentence) box.appendChild(el("p", { class: "sentence" }, `推荐文件将写明：${row.sentence}`));
  return box;
}

function item(row) {
  const li = el("li", { class: "cluster", "data-cluster": row.id });
  const grip = el("span", { class: "grip", title: "拖动排序", "aria-hidden": "true" }, "⠿");
  grip.addEventListener("mousedown", () => { li.draggable = true; });
  li.appendChild(grip);
  li.appendChild(el("span", { class: "no" }));
  const chosen = el("input", { type: "checkbox", class: "chosen", "aria-label": `推荐 ${row.name}` });
  chosen.checked = row.chosen;
  chosen.addEventListener("change", () => { renumber(); unsaved(); });
  li.appendChild(chosen);
  const who = el("div", { class: "who" });
  const name = el("a", { href: `/c/${encodeURIComponent(row.id)}?programme=${encodeURIComponent(PROGRAMME)}` }, row.name);
  who.appendChild(name);
  who.appendChild(el("code", {}, row.id));
  who.appendChild(statusOf(row));
  const reason = el("label", { class: "reason" }, "推荐理由（force，未满足条件仍推荐时填写）");
  const input = el("input", { class: "reason", maxlength: "2000", value: row.reason, "aria-label": `${row.name} 的推荐理由` });
  input.addEventListener("input", unsaved);
  reason.appendChild(input);
  who.appendChild(reason);
  li.appendChild(who);
  const moves = el("div", { class: "moves" });
  for (const [cls, text, label, step] of [["up", "↑", "上移", -1], ["down", "↓", "下移", 1]]) {
    const button = el("button", { type: "button", class: cls, "aria-label": `${label} ${row.name}`, title: label }, text);
    button.addEventListener("click", () => { move(li, step); button.focus(); });
    moves.appendChild(button);
  }
  li.appendChild(moves);
  return li;
}

function renumber() {
  let n = 0;
  const items = [...list.children];
  for (const li of items) {
    const chosen = li.querySelector(".chosen").checked;
    li.classList.toggle("off", !chosen);
    li.querySelector(".no").textContent = chosen ? `${++n}.` : "—";
    li.querySelector(".up").disabled = li === items[0];
    li.querySelector(".down").disabled = li === items[items.length - 1];
  }
  const quota = document.getElementById("quota");
  const limit = state.quota ? state.quota.limit : null;
  quota.textContent = limit === null ? `已选 ${n} 个集群（本项目不限推荐名额）`
    : `已选 ${n} 个集群，${state.city_name}最多推荐 ${limit} 个（${state.quota.clause}）`;
  quota.className = limit !== null && n > limit ? "quota bad" : "quota";
}

function move(li, step) {
  const other = step < 0 ? li.previousElementSibling : li.nextElementSibling;
  if (!other) return;
  list.insertBefore(li, step < 0 ? other : other.nextElementSibling);
  renumber();
  unsaved();
  const at = [...list.children].indexOf(li) + 1;
  document.getElementById("order-state").textContent = `${li.querySelector(".who a").textContent} 已移到第 ${at} 位`;
}

function showClusters(rows) {
  list.textContent = "";
  for (const row of rows) list.appendChild(item(row));
  renumber();
}

// drag and drop (HTML5): the item follows the pointer; dropped, the order is the list's
let dragged = null;
list.addEventListener("dragstart", (event) => {
  dragged = event.target.closest("li");
  dragged.classList.add("dragging");
  event.dataTransfer.effectAllowed = "move";
  event.dataTransfer.setData("text/plain", dragged.dataset.cluster);
});
list.addEventListener("dragover", (event) => {
  if (!dragged) return;
  event.preventDefault();
  const after = [...list.children].find((li) => {
    if (li === dragged) return false;
    const box = li.getBoundingClientRect();
    return event.clientY < box.top + box.height / 2;
  });
  if (after) list.insertBefore(dragged, after); else list.appendChild(dragged);
});
list.addEventListener("drop", (event) => { event.preventDefault(); });
list.addEventListener("dragend", () => {
  if (!dragged) return;
  dragged.classList.remove("dragging");
  dragged.draggable = false;
  dragged = null;
  renumber();
  unsaved();
});

// --- the library's check of the decision ------------------------------------------------------------------------
function showReview(review) {
  const summary = document.getElementById("review-summary");
  const problems = document.getElementById("problems");
  problems.textContent = "";
  if (!review.checked) {
    summary.textContent = "还没有保存推荐决定。";
    summary.className = "summary";
    return;
  }
  summary.textContent = review.errors ? `有 ${review.errors} 处错误、${review.warnings} 处提醒：改正后才能生成`
    : review.warnings ? `可以生成；有 ${review.warnings} 处提醒` : "推荐决定无误，可以生成";
  summary.className = `summary ${review.errors ? "bad" : review.warnings ? "warn" : "good"}`;
  for (const p of review.problems) {
    const li = el("li", { class: p.severity, "data-code": p.code });
    li.appendChild(el("code", {}, p.code));
    li.appendChild(document.createTextNode(` ${p.message}`));
    if (p.where) li.appendChild(el("span", { class: "where" }, p.where));
    problems.appendChild(li);
  }
}

// --- saving -----------------------------------------------------------------------------------------------------
function unsaved() {
  const s = document.getElementById("save-state");
  s.textContent = "有未保存的修改";
  s.className = "state warn";
}

function collect() {
  const value = (name) => document.getElementById(`f-${name}`).value;
  const body = { programme: PROGRAMME, clusters: [], force: {}, cc: value("cc").split("\n") };
  for (const name of ["bureau", "document_number", "date", "contact", "phone"]) body[name] = value(name);
  for (const li of list.children) {
    if (li.querySelector(".chosen").checked) body.clusters.push(li.dataset.cluster);
    const reason = li.querySelector("input.reason").value.trim();
    if (reason) body.force[li.dataset.cluster] = reason;
  }
  return body;
}

async function save() {
  const s = document.getElementById("save-state");
  s.textContent = "正在保存…";
  s.className = "state";
  const data = await call(`${API}/save`, collect());
  if (!data.ok) {
    s.textContent = `未保存：[${data.code}] ${data.message}`;
    s.className = "state bad";
    if (data.problems) showReview({ checked: true, problems: data.problems, errors: data.problems.length, warnings: 0 });
    return data;
  }
  state = Object.assign(data.state, { outputs: state.outputs });
  showClusters(state.clusters);
  showReview(state.review);
  s.textContent = `已保存到 ${state.file}`;
  s.className = "state good";
  return data;
}

document.getElementById("letter-form").addEventListener("input", unsaved);
document.getElementById("letter-form").addEventListener("submit", (event) => { event.preventDefault(); save(); });

// --- the build and the city's files -----------------------------------------------------------------------------
function link(href, text) { return el("a", { href: href, download: "" }, text); }

function showOutputs(outputs) {
  const box = document.getElementById("outputs");
  box.textContent = "";
  if (!outputs) return;
  const base = `/city/${encodeURIComponent(CITY)}`;
  const prog = encodeURIComponent(PROGRAMME);
  box.appendChild(el("p", { class: "good" }, `${outputs.file}：共 ${outputs.pages} 页，推荐 ${outputs.clusters.join("、")}`));
  const links = el("p", { class: "links", id: "files" });
  for (const name of outputs.files) links.appendChild(link(`${base}/out/${prog}/${encodeURIComponent(name)}`, name));
  links.appendChild(link(`${base}/zip/${prog}`, "全部文件（zip）"));
  box.appendChild(links);
  const thumbs = el("div", { class: "thumbs", id: "thumbs" });
  box.appendChild(thumbs);
  const more = el("button", { type: "button", class: "more", id: "more-pages" }, `显示全部 ${outputs.pages} 页`);
  const shown = (upto) => {
    for (let n = thumbs.children.length + 1; n <= Math.min(upto, outputs.pages); n++) {
      thumbs.appendChild(el("img", { src: `${base}/thumb/${prog}/${encodeURIComponent(outputs.file)}/${n}`,
        alt: `${outputs.file} 第 ${n} 页`, title: `第 ${n} 页`, loading: "lazy" }));
    }
    more.classList.toggle("hidden", thumbs.children.length >= outputs.pages);
  };
  more.addEventListener("click", () => shown(outputs.pages));
  box.appendChild(more);
  shown(FIRST_PAGES);
}

function showJob(data) {
  const job = data.job;
  const phases = document.getElementById("phases");
  const s = document.getElementById("build-state");
  phases.textContent = "";
  for (const p of job.phases || []) phases.appendChild(el("li", { class: "done" }, p));
  if (job.state === "running") {
    s.textContent = `正在生成…（${job.seconds} 秒）`;
    s.className = "state";
  } else if (job.state === "done") {
    s.textContent = `已生成（用时 ${job.seconds} 秒）`;
    s.className = "state good";
  } else if (job.state === "failed") {
    s.textContent = `未生成：${job.message}${data.outputs ? "；上次生成的材料仍可下载" : ""}`;
    s.className = "state bad";
    if (job.problems && job.problems.length) {
      showReview({ checked: true, problems: job.problems, warnings: 0,
        errors: job.problems.filter((p) => p.severity === "error").length });
    }
  }
  state.outputs = data.outputs;
  showOutputs(data.outputs);
}

async function poll() {
  const data = await call(`${API}/build?programme=${encodeURIComponent(PROGRAMME)}`, undefined, "GET");
  if (!data.ok) return;
  if (data.job.state !== "none") showJob(data);
  if (data.job.state === "running") setTimeout(poll, 800);
  else document.getElementById("build-button").disabled = false;
}

document.getElementById("build-button").addEventListener("click", async () => {
  const button = document.getElementById("build-button");
  const s = document.getElementById("build-state");
  button.disabled = true;
  const saved = await save();
  if (!saved.ok || state.review.errors) {
    s.textContent = "推荐决定有错误，未生成（见检查结果）";
    s.className = "state bad";
    button.disabled = false;
    return;
  }
  const data = await call(`${API}/build`, { programme: PROGRAMME });
  if (!data.ok) {
    s.textContent = `[${data.code}] ${data.message}`;
    s.className = "state bad";
    button.disabled = false;
    return;
  }
  showJob(data);
  setTimeout(poll, 500);
});

// --- the sealed scans of the letter and the 汇总表 ------------------------------------------------------------------
const SCAN_TITLES = { letter: "推荐文件", summary: "汇总表" };
function showScans(scans) {
  const body = document.querySelector("#scans tbody");
  body.textContent = "";
  for (const scan of scans || []) {
    const row = el("tr", { "data-what": scan.what });
    row.appendChild(el("td", {}, SCAN_TITLES[scan.what] || scan.name));
    row.appendChild(el("td", { class: "have" }, scan.present ? "已上传" : "未上传（用生成的文件）"));
    const cell = el("td", {});
    const input = el("input", { type: "file", accept: ".pdf", class: "scan-file", "data-what": scan.what, "aria-label": `${scan.name} 扫描件` });
    input.addEventListener("change", () => uploadScan(input));
    cell.appendChild(input);
    row.appendChild(cell);
    body.appendChild(row);
  }
}

async function uploadScan(input) {
  const s = document.getElementById("scan-state");
  const body = new FormData();
  body.append("what", input.dataset.what);
  body.append("programme", PROGRAMME);
  body.append("file", input.files[0], input.files[0].name);
  const data = await call(`${API}/signed?programme=${encodeURIComponent(PROGRAMME)}`, body);
  s.textContent = data.ok ? "扫描件已上传，生成时使用" : `[${data.code}] ${data.message}`;
  s.className = data.ok ? "state good" : "state bad";
  if (data.ok) showScans(data.scans);
}

showClusters(state.clusters);
showReview(state.review);
showScans(state.scans);
showOutputs(state.outputs);
poll();
