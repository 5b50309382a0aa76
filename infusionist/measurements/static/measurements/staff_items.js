/* Staff questionnaire items (measurements/_items.html): follow the instrument's branching.
   An item asked only when an earlier answer has a given value (C-SSRS: Q3-Q5 only when Q2 is
   yes, Q6b only when Q6 is yes) is hidden and disabled while that answer is anything else, so
   it is neither shown nor sent. An item still holding an answer other than its lowest ("No")
   stays visible, so the server can say so beside it: a risk answer is never dropped silently.
   Progressive enhancement: without this script every item shows with a note saying when it is
   asked, and the server ignores a "No" to an item that is not asked. */
(function () {
  "use strict";

  function checkedValue(form, name) {
    var checked = form.querySelector('input[type="radio"][name="' + CSS.escape(name) + '"]:checked');
    return checked ? checked.value : "";
  }

  function update(form) {
    var items = form.querySelectorAll("fieldset[data-asked-when-name]");
    for (var i = 0; i < items.length; i += 1) {
      var item = items[i];
      var asked = checkedValue(form, item.getAttribute("data-asked-when-name")) ===
        item.getAttribute("data-asked-when-value");
      var own = checkedValue(form, item.getAttribute("data-item-name"));
      var keep = asked || (own !== "" && own !== item.getAttribute("data-lowest"));
      item.hidden = !keep;
      item.disabled = !keep;
    }
  }

  function init() {
    var forms = document.querySelectorAll("form");
    for (var i = 0; i < forms.length; i += 1) {
      var form = forms[i];
      if (!form.querySelector("fieldset[data-asked-when-name]")) continue;
      update(form);
      form.addEventListener("change", function (event) {
        update(event.currentTarget);
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
