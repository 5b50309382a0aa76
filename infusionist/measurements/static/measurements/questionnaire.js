/* The patient's questionnaire (measurements/_patient_questionnaire.html), on a link page and in
   the portal.

   1. Crisis resources at once: choosing an answer at or above an item's crisis threshold shows
      that item's crisis panel, scrolls the whole panel onto the screen and announces it to
      screen readers (an assertive live region). A lower answer hides it again.
   2. Answers are kept on every change (autosave), one request at a time: a change made while a
      save is on its way is sent after it, with the whole form.
   3. "Send my answers" (and "Save and finish later") wait for a save on its way, then post once;
      a second tap does nothing, and no autosave starts after that. The server answers a late
      save harmlessly anyway.
   Progressive enhancement: without this script the form posts as usual. */
(function () {
  "use strict";
  var form = document.getElementById("mbc-questionnaire");
  if (!form || !window.fetch || !window.FormData || !window.Promise) return;
  var saveUrl = form.getAttribute("data-save-url");
  var live = document.getElementById("mbc-crisis-live");
  var status = document.getElementById("mbc-autosave-status");
  var WAIT_FOR_SAVE_MS = 5000;

  var inFlight = null; // the save on its way (a Promise), or null
  var queued = false; // a change arrived while a save was on its way
  var dirty = false; // a change not yet handed to a save
  var sending = false; // the form is being posted: no more autosaves
  var released = false; // the post we let through after waiting for a save

  function say(key) {
    if (status) status.textContent = form.getAttribute(key) || "";
  }

  function reducedMotion() {
    return !!(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
  }

  function crisisChosen(box) {
    var threshold = parseInt(box.getAttribute("data-crisis-at-least"), 10);
    var checked = box.querySelector("input[type=radio]:checked");
    return !!checked && parseInt(checked.value, 10) >= threshold;
  }

  function announce(panel) {
    if (!live) return;
    live.textContent = "";
    // A fresh text node after a pause, so screen readers announce it even the second time.
    window.setTimeout(function () {
      live.textContent = (panel.innerText || panel.textContent).replace(/\s+/g, " ").trim();
    }, 60);
  }

  function syncCrisis(box, chosenNow) {
    var panel = document.getElementById("crisis" + box.getAttribute("data-link-id"));
    if (!panel) return;
    var show = crisisChosen(box);
    var appearing = show && panel.hidden;
    panel.hidden = !show;
    if (!appearing || !chosenNow) return;
    // The whole panel onto the screen: its bottom edge at the bottom, or its top if taller.
    panel.scrollIntoView({ block: "nearest", behavior: reducedMotion() ? "auto" : "smooth" });
    announce(panel);
  }

  function handle(result) {
    if (result.completed) {
      // Sent already (another tab, or a second route): show the thank-you page.
      if (!sending) {
        sending = true;
        window.location.assign(result.done_url);
      }
    } else if (result.saved) {
      say("data-kept");
    } else if (result.signed_out || result.session_ended) {
      say("data-signed-out");
    } else {
      say("data-save-failed");
    }
  }

  function busy(on) {
    // Marks the form while answers are on their way (tests and styles can wait on it).
    if (on) form.setAttribute("data-saving", "1");
    else form.removeAttribute("data-saving");
  }

  function save() {
    if (sending) return;
    if (inFlight) {
      queued = true;
      return;
    }
    dirty = false;
    busy(true);
    inFlight = fetch(saveUrl, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Autosave": "1", Accept: "application/json" },
    })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) {
          dirty = true;
          say(response.redirected ? "data-signed-out" : "data-save-failed");
          return null;
        }
        return response.json().then(handle);
      })
      .catch(function () {
        dirty = true;
        say("data-save-failed");
      })
      .then(function () {
        inFlight = null;
        if (queued && !sending) {
          queued = false;
          save();
        } else {
          busy(false);
        }
      });
  }

  form.addEventListener("change", function (event) {
    var box = event.target.closest ? event.target.closest("fieldset[data-crisis-at-least]") : null;
    if (box) syncCrisis(box, true);
    dirty = true;
    save();
  });

  // The button that sends the form ("Send" or "Save and finish later"), for browsers whose
  // submit event does not name it.
  var lastButton = null;
  form.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[type=submit]") : null;
    if (button) lastButton = button;
  });

  form.addEventListener("submit", function (event) {
    if (released) return; // our own post, after the save on its way finished
    if (sending) {
      event.preventDefault(); // a second tap
      return;
    }
    sending = true;
    queued = false;
    if (!inFlight) return; // nothing on its way: post now
    event.preventDefault();
    var submitter = event.submitter || lastButton;
    var post = function () {
      if (released) return;
      released = true;
      if (form.requestSubmit) {
        form.requestSubmit(submitter);
      } else {
        if (submitter && submitter.getAttribute("formaction")) {
          form.action = submitter.getAttribute("formaction");
        }
        form.submit();
      }
    };
    inFlight.then(post, post);
    window.setTimeout(post, WAIT_FOR_SAVE_MS);
  });

  // Leaving the page (the language switch, a link) with a change not yet saved: send it along.
  window.addEventListener("pagehide", function () {
    if (dirty && !sending && navigator.sendBeacon) navigator.sendBeacon(saveUrl, new FormData(form));
  });

  // Back to this page from the browser's cache: it can be used again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      sending = false;
      released = false;
    }
  });

  // Answers restored from a saved draft: their crisis panels show, without moving the page.
  Array.prototype.forEach.call(form.querySelectorAll("fieldset[data-crisis-at-least]"), function (box) {
    syncCrisis(box, false);
  });
  say("data-kept");
})();
