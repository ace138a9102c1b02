// Bulwark console: the only script, served from the binary under a CSP that
// allows no inline script. Everything works without it; it adds live updates
// of the dashboard and the progress of an ownership import.
"use strict";

(function () {
  var LIVE_EVERY_MS = 10000;

  function startLive() {
    var region = document.getElementById("live-region");
    var toggle = document.getElementById("live");
    if (!region || !region.dataset.live) {
      return;
    }
    var busy = false;
    window.setInterval(function () {
      if (busy || document.hidden || (toggle && !toggle.checked)) {
        return;
      }
      busy = true;
      fetch(region.dataset.live, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (res) {
          if (res.url.indexOf("/console/login") >= 0) {
            window.location.assign("/console/login"); // the session ended
            return null;
          }
          return res.ok ? res.text() : null;
        })
        .then(function (html) {
          if (html !== null) {
            region.innerHTML = html;
          }
        })
        .catch(function () { /* offline: try again at the next tick */ })
        .then(function () { busy = false; });
    }, LIVE_EVERY_MS);
  }

  function bindImport() {
    var form = document.getElementById("import-form");
    if (!form || !window.FormData) {
      return;
    }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var bar = document.getElementById("import-progress");
      var status = document.getElementById("import-status");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          bar.value = Math.round((e.loaded / e.total) * 100);
          bar.textContent = bar.value + "%";
        }
      });
      xhr.upload.addEventListener("load", function () {
        bar.value = 100;
        status.textContent = "Uploaded; importing…";
      });
      xhr.addEventListener("load", function () {
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var main = doc.querySelector("main");
        if (main) {
          document.querySelector("main").replaceWith(main);
          bindImport();
        } else {
          status.textContent = "The import failed (" + xhr.status + ").";
        }
      });
      xhr.addEventListener("error", function () {
        status.textContent = "The upload failed; nothing was imported.";
      });
      status.textContent = "Uploading…";
      xhr.send(new FormData(form));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    startLive();
    bindImport();
  });
})();
