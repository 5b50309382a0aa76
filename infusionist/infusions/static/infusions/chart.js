// The chart's forms are sent without leaving the page: a lost connection keeps what the nurse
// typed (and a copy in this tablet's storage until it is saved) and says so; a second tap while
// one is on its way is ignored. Without this script the forms still work as plain forms.
(function () {
  "use strict";
  var status = document.querySelector(".net-status");
  function say(text) {
    if (!status) return;
    status.textContent = text;
    status.hidden = !text;
  }
  function keep(form) {
    var key = form.getAttribute("data-keep");
    if (!key || !window.localStorage) return;
    var values = {};
    var now = new Date();
    values["__saved"] = now.getTime();
    values["__clock"] = ("0" + now.getHours()).slice(-2) + ":" + ("0" + now.getMinutes()).slice(-2);
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.type !== "hidden" && el.type !== "password" && el.type !== "checkbox") values[el.name] = el.value;
    });
    try { localStorage.setItem("chart:" + key, JSON.stringify(values)); } catch (e) { /* storage full */ }
  }
  function restore(form) {
    var key = form.getAttribute("data-keep");
    if (!key || !window.localStorage) return;
    var raw = localStorage.getItem("chart:" + key);
    if (!raw) return;
    try {
      var values = JSON.parse(raw);
      // A draft older than two hours belongs to another moment of care: drop it.
      if (!values["__saved"] || Date.now() - values["__saved"] > 2 * 3600 * 1000) {
        localStorage.removeItem("chart:" + key);
        return;
      }
      var restored = false;
      Object.keys(values).forEach(function (name) {
        if (name.indexOf("__") === 0) return;
        var el = form.elements[name];
        if (el && !el.value && values[name]) { el.value = values[name]; restored = true; }
      });
      if (!restored) return;
      // Keep the reading's own time: it was typed then, not now.
      if (form.elements["at"] && !form.elements["at"].value) form.elements["at"].value = values["__clock"];
      var note = document.createElement("p");
      note.className = "message message-warning";
      note.textContent = (document.documentElement.lang === "es"
        ? "Se recuperó lo escrito a las " : "Restored what was typed at ") + values["__clock"] +
        (document.documentElement.lang === "es" ? " y no se guardó. Revíselo y guárdelo." : " and not saved. Check it, then save.");
      form.insertBefore(note, form.firstChild);
    } catch (e) { localStorage.removeItem("chart:" + key); }
  }
  function forget(form) {
    var key = form.getAttribute("data-keep");
    if (key && window.localStorage) localStorage.removeItem("chart:" + key);
  }
  var forms = document.querySelectorAll("form[data-chart-form]");
  Array.prototype.forEach.call(forms, function (form) {
    restore(form);
    form.addEventListener("input", function () { keep(form); });
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.FormData) return;
      event.preventDefault();
      if (form.dataset.sending === "1") return;
      form.dataset.sending = "1";
      keep(form);
      var buttons = form.querySelectorAll("button");
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
      var chart = document.querySelector(".chart[data-url]");
      var section = form.closest("section[id]");
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin", redirect: "manual" })
        .then(function (response) {
          if (response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400)) {
            // Saved: open the chart again at the section the form was in.
            forget(form);
            var target = chart ? chart.getAttribute("data-url") : window.location.pathname;
            var url = target + (section ? "#" + section.id : "");
            if (window.location.pathname === target) {
              window.history.replaceState(null, "", url);
              window.location.reload();
            } else {
              window.location.assign(url);
            }
            return;
          }
          // Refused (a message beside the field): send the form the ordinary way to show it.
          // Nothing was saved, so sending it again is harmless.
          HTMLFormElement.prototype.submit.call(form);
        })
        .catch(function () {
          form.dataset.sending = "";
          Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
          say(document.documentElement.lang === "es"
            ? "Sin conexión: no se guardó. Lo escrito sigue aquí; vuelva a intentarlo."
            : "No connection: not saved. What you typed is still here; try again.");
        });
    });
  });
})();
