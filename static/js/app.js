// pfdo: small behaviours on top of htmx. Loaded with `defer`; no inline scripts (CSP).
(function () {
  "use strict";

  // After htmx swaps a form with errors, move focus to the first invalid field so
  // keyboard and screen-reader users land where the problem is.
  document.addEventListener("htmx:afterSwap", function (event) {
    var invalid = event.detail.target.querySelector
      ? event.detail.target.querySelector("[aria-invalid='true']")
      : null;
    if (!invalid && event.detail.elt && event.detail.elt.querySelector) {
      invalid = event.detail.elt.querySelector("[aria-invalid='true']");
    }
    if (invalid) {
      invalid.focus();
    }
  });

  // An htmx request that failed (4xx other than 422, 5xx, network): say so in Russian
  // above the content instead of silently doing nothing.
  function showError(text) {
    var main = document.getElementById("main");
    if (!main) { return; }
    var alert = document.createElement("div");
    alert.className = "alert alert-danger";
    alert.setAttribute("role", "alert");
    alert.textContent = text;
    main.insertBefore(alert, main.firstChild);
    alert.scrollIntoView({ block: "nearest" });
  }
  // The explanation of a Russian error page (how long to wait), read as text, never as HTML.
  function pageExplanation(xhr) {
    try {
      var page = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
      var lead = page.querySelector(".error-page .lead");
      return lead ? lead.textContent.trim() : "";
    } catch (error) {
      return "";
    }
  }
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var status = xhr ? xhr.status : 0;
    if (status === 429) {
      showError(pageExplanation(xhr) || "Слишком много попыток. Подождите и попробуйте снова.");
    } else if (status === 503) {
      showError(pageExplanation(xhr) || "Сервер занят, повторите через минуту.");
    } else if (status === 400) {
      showError("Страница устарела. Обновите её и повторите действие.");
    } else {
      showError("Не удалось выполнить действие (код " + status + "). Обновите страницу и попробуйте ещё раз.");
    }
  });
  document.addEventListener("htmx:sendError", function () {
    showError("Нет связи с сервером. Проверьте интернет и попробуйте ещё раз.");
  });
})();

// «Скачать XLSX»: a long list takes a while to write. Say so while the server writes it, and
// say when it is ready: the link carries a fresh token, and the response (pfdo.web.send_xlsx)
// sets the cookie xlsx_ready to it once the file is written and the download begins.
const XLSX_WAIT_MS = 120000;
document.addEventListener("click", (event) => {
  const link = event.target.closest("a.xlsx-link");
  if (!link) {
    return;
  }
  const note = link.parentElement.querySelector(".xlsx-note");
  const token = Array.from(crypto.getRandomValues(new Uint8Array(12)),
    (byte) => byte.toString(16).padStart(2, "0")).join("");
  const url = new URL(link.href, window.location.href);
  url.searchParams.set("download_token", token);
  link.href = url.toString();
  if (!note) {
    return;
  }
  if (!note.dataset.original) {
    note.dataset.original = note.textContent;
  }
  note.textContent = "Готовим файл… большая выгрузка занимает до минуты";
  link.setAttribute("aria-busy", "true");
  const started = Date.now();
  window.clearInterval(Number(link.dataset.timer));  // a second click waits for its own file
  const timer = window.setInterval(() => {
    const ready = document.cookie.split("; ").includes(`xlsx_ready=${token}`);
    if (!ready && Date.now() - started < XLSX_WAIT_MS) {
      return;
    }
    window.clearInterval(timer);
    delete link.dataset.timer;
    link.removeAttribute("aria-busy");
    if (ready) {
      document.cookie = "xlsx_ready=; max-age=0; path=/; samesite=lax";
      note.textContent = "Файл готов: он в загрузках браузера.";
    } else {
      note.textContent = note.dataset.original;
    }
  }, 300);
  link.dataset.timer = String(timer);
});
