/* The chair board: fetch the board's rows every data-poll-every-s seconds and put them in
   place, without reloading the page. A failed fetch keeps the last rows and shows a warning
   in words (data-board-stale) until a fetch succeeds; a signed-out session (a redirect to the
   sign-in page) or a refusal reloads the page, so the sign-in page shows instead of stale
   rows. A hidden tab does not poll; it fetches at once when shown again. No library: the
   page needs one timer and one fetch. */
(function () {
  "use strict";
  var box = document.querySelector("[data-board-rows]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-poll-url");
  var everyMs = Math.max(1, parseInt(box.getAttribute("data-poll-every-s"), 10) || 15) * 1000;
  var stale = document.querySelector("[data-board-stale]");
  var timer = null;
  var busy = false;

  function showStale(on) { if (stale) { stale.hidden = !on; } }

  function swap(html) {
    var focused = document.activeElement;
    var href = focused && box.contains(focused) ? focused.getAttribute("href") : null;
    box.innerHTML = html;
    if (href) {
      var again = box.querySelector('a[href="' + href.replace(/"/g, "") + '"]');
      if (again) { again.focus(); }
    }
  }

  function poll() {
    if (busy || document.hidden) { return; }
    busy = true;
    fetch(url, { credentials: "same-origin", cache: "no-store",
                 headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (response.redirected || response.status === 401 || response.status === 403) {
          window.location.reload();
          return null;
        }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) {
        if (html !== null) { swap(html); showStale(false); }
      })
      .catch(function () { showStale(true); })
      .then(function () { busy = false; });
  }

  function start() {
    if (timer) { window.clearInterval(timer); }
    timer = window.setInterval(poll, everyMs);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { poll(); start(); }
  });
  start();
}());
