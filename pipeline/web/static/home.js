"use strict";
const newForm = document.getElementById("new-cluster");
if (newForm) {
  newForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = document.getElementById("new-error");
    const data = await call("/api/new", {
      cluster: document.getElementById("new-id").value.trim(),
      programme: document.getElementById("new-programme").value,
    });
    if (data.ok) { window.location.href = data.url; return; }
    error.textContent = `[${data.code}] ${data.message}`;
    error.classList.remove("hidden");
  });
}
