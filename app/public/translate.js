// Translate links of posts (views/_macros.njk): this script reveals them and, on a click, sends
// the post's text to POST /translate and shows the answer in place of the link. It is loaded
// only for signed-in users when translation is configured, as a same-origin file (the CSP
// allows no inline script). Text is inserted with textContent, never as HTML.
(function () {
  "use strict";
  const script = document.currentScript;
  if (!script) return;
  const csrf = script.dataset.csrf || "";
  const busy = script.dataset.busy || "…";
  const failed = script.dataset.failed || "Error";
  const unreachable = script.dataset.unreachable || failed;

  function show(box, message, kind, lang) {
    const span = document.createElement("span");
    span.className = kind;
    if (lang) span.lang = lang;
    span.textContent = message;
    box.removeAttribute("aria-busy");
    box.replaceChildren(span);
  }

  async function translate(box) {
    const post = box.closest(".post-main");
    const body = post && post.querySelector(".body");
    if (!body) return;
    const button = box.querySelector("button");
    if (button) {
      button.disabled = true;
      button.textContent = busy;
    }
    box.setAttribute("aria-busy", "true");
    let res;
    try {
      res = await fetch("/translate", {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRF-Token": csrf,
        },
        body: JSON.stringify({
          text: body.textContent,
          source_language: box.dataset.from,
          dest_language: box.dataset.to,
        }),
      });
    } catch {
      show(box, unreachable, "error");
      return;
    }
    let data = null;
    try {
      data = await res.json();
    } catch {
      data = null;
    }
    if (res.ok && data && typeof data.text === "string") {
      show(box, data.text, "translation", box.dataset.to);
    } else {
      show(box, data && typeof data.error === "string" ? data.error : failed, "error");
    }
  }

  document.addEventListener("click", function (event) {
    const target = event.target instanceof Element ? event.target : null;
    const button = target && target.closest(".translate button");
    if (!button || button.disabled) return;
    translate(button.closest(".translate"));
  });
  for (const box of document.querySelectorAll(".translate[hidden]")) box.hidden = false;
})();
