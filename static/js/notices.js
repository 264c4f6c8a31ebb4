// The person's own socket, on every page: a new notice updates the bell's count and, on the
// inbox page, appears at the top of the list, without reloading (docs/realtime-protocol.md,
// "The person's socket"). The socket opens with the time the page was drawn (`since`), and
// then of the last frame, so that what was written meanwhile is sent first.
(function () {
  "use strict";
  if (!document.body.dataset.userId || !window.WebSocket) {
    return;
  }
  var retry = 1000;
  var since = document.body.dataset.noticesSince;

  function apply(frame) {
    Object.keys(frame.regions || {}).forEach(function (id) {
      var element = document.getElementById(id);
      if (element) {
        element.outerHTML = frame.regions[id];
      }
    });
    var list = document.getElementById("notices-list");
    (frame.notices || []).forEach(function (notice) {
      if (!list || document.getElementById(notice.id)) {
        return;
      }
      list.insertAdjacentHTML("afterbegin", notice.html);
      document.getElementById("notices-empty").hidden = true;
      document.getElementById("notices-read-all").hidden = false;
    });
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    var socket = new WebSocket(
      scheme + "//" + window.location.host + "/ws/me/?lang=" +
        encodeURIComponent(document.documentElement.lang || "") +
        (since ? "&since=" + encodeURIComponent(since) : "")
    );
    socket.onopen = function () {
      retry = 1000;
      document.body.dataset.noticesSocket = "open";
    };
    socket.onmessage = function (message) {
      var frame = JSON.parse(message.data);
      if (frame.type === "notices") {
        apply(frame);
        if (frame.cursor) {
          since = String(frame.cursor);
        }
      }
    };
    socket.onclose = function (event) {
      document.body.dataset.noticesSocket = "closed";
      if (event.code === 4401) {
        return; // signed out: the next page asks to sign in
      }
      // Back off, with jitter, so that a restarted server is not met by every page at once.
      setTimeout(connect, retry / 2 + Math.random() * retry);
      retry = Math.min(retry * 2, 30000);
    };
  }

  // The notice in the list is drawn once for everyone, without a form token: the form sent
  // from it carries this page's.
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var token = document.querySelector('meta[name="csrf-token"]');
      if (!(form instanceof HTMLFormElement) || !form.closest("#notices-list") || !token) {
        return;
      }
      var field = form.querySelector('input[name="csrfmiddlewaretoken"]');
      if (!field) {
        field = document.createElement("input");
        field.type = "hidden";
        field.name = "csrfmiddlewaretoken";
        form.appendChild(field);
      }
      field.value = token.content;
    },
    true
  );

  connect();
})();
