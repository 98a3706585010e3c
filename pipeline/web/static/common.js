// clusterpack: what every page's script shares (the CSRF token on each change, JSON calls).
"use strict";
const CSRF = document.querySelector('meta[name="csrf-token"]').content;

async function call(url, body, method) {
  const options = { method: method || "POST", headers: { "X-CSRF-Token": CSRF }, credentials: "same-origin" };
  if (body instanceof FormData) options.body = body;
  else if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(url, options);
  let data;
  try { data = await response.json(); } catch (e) { data = { ok: false, code: "E-WEB-RESPONSE", message: "服务器没有回答 (no answer)" }; }
  if (!response.ok && data.ok === undefined) data.ok = false;
  return data;
}

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined && text !== null) node.textContent = text;  // text, never HTML
  return node;
}

function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

document.addEventListener("submit", (event) => {
  // the logout form carries the token as a header: sent with fetch
  if (event.target.id === "logout") {
    event.preventDefault();
    fetch("/logout", { method: "POST", headers: { "X-CSRF-Token": CSRF }, credentials: "same-origin" })
      .then(() => { window.location.href = "/"; });
  }
});
