// stepwise console: the pages work without this script; with it, a page whose subject is still
// running (body[data-live=true]) refreshes its #live part every two seconds, unless the user is
// typing in one of its forms.
(function () {
  "use strict";
  function busy(live) {
    var a = document.activeElement;
    return a && live.contains(a) && (a.tagName === "TEXTAREA" || a.tagName === "INPUT");
  }
  function refresh() {
    var live = document.getElementById("live");
    if (!live || document.body.dataset.live !== "true") return;
    if (busy(live)) { setTimeout(refresh, 2000); return; }
    fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (text) {
        if (text === null) return;
        var doc = new DOMParser().parseFromString(text, "text/html");
        var fresh = doc.getElementById("live");
        if (fresh && !busy(live)) {
          live.innerHTML = fresh.innerHTML;
          document.body.dataset.live = doc.body.dataset.live;
        }
      })
      .catch(function () {})
      .then(function () {
        if (document.body.dataset.live === "true") setTimeout(refresh, 2000);
      });
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (document.body.dataset.live === "true") setTimeout(refresh, 2000);
  });
})();
