// Keeps a meeting page current: follows the meeting's event socket and, after each change,
// fetches the page again and swaps its content in, without a reload. The server sends every
// event once and in order; this script still checks the numbers, so that a gap (or a heartbeat
// ahead of what it has) makes it reconnect from the last event it has, and nothing is missed.
(function () {
  "use strict";

  var holder = document.querySelector("[data-meeting-socket]");
  if (!holder || !window.WebSocket || !window.htmx) {
    return;
  }
  var lastSeq = parseInt(holder.dataset.meetingSeq, 10) || 0;
  var attempt = 0;
  var refreshTimer = null;
  var refreshWaiting = false;
  var RESYNC = 4000;

  function show(state) {
    holder.dataset.state = state;
    holder.hidden = state === "live";
    holder.textContent = state === "live" ? "" : holder.dataset[state + "Label"];
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    var url = scheme + "//" + window.location.host + holder.dataset.meetingSocket;
    var socket = new WebSocket(url + "?since=" + lastSeq);
    socket.onopen = function () {
      attempt = 0;
      show("live");
    };
    socket.onmessage = function (message) {
      var frame = JSON.parse(message.data);
      if (frame.type === "event") {
        if (frame.seq <= lastSeq) {
          return;
        }
        if (frame.seq !== lastSeq + 1) {
          socket.close(RESYNC);
          return;
        }
        lastSeq = frame.seq;
        if (!patch(frame)) {
          scheduleRefresh();
        }
      } else if (frame.type === "heartbeat" && frame.seq > lastSeq) {
        socket.close(RESYNC);
      } else if (frame.type === "presence" && "followPresence" in holder.dataset) {
        scheduleRefresh(); // someone's tablet came online or went offline
      }
    };
    socket.onclose = function (event) {
      if (event.code === 4401) {
        window.location.reload(); // the session ended: the page leads to the login form
        return;
      }
      if (event.code === 4403) {
        show("revoked");
        return;
      }
      show("offline");
      // Back off (up to 30 s, with jitter) so that a room of tablets does not reconnect at once.
      var delay = Math.min(30000, 1000 * Math.pow(2, attempt)) * (0.5 + Math.random() / 2);
      attempt += 1;
      window.setTimeout(connect, event.code === RESYNC ? 0 : delay);
    };
  }

  // Some events change one figure: write it in place instead of fetching the page, so that a
  // room of tablets does not fetch their pages again for every ballot cast.
  function patch(frame) {
    if (frame.event === "voting.ballot_cast" && frame.payload) {
      document.querySelectorAll('[data-turnout="' + frame.payload.poll + '"]').forEach(function (figure) {
        figure.textContent = frame.payload.turnout;
      });
      return true;
    }
    return false;
  }

  // A burst of events (everyone checking in) leads to one fetch, not one per event.
  function scheduleRefresh() {
    window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(refresh, 250);
  }

  function typing() {
    var active = document.activeElement;
    return Boolean(active && active.closest("#main form") && active.matches("input, select, textarea"));
  }

  function refresh() {
    if (typing()) {
      refreshWaiting = true; // do not wipe what someone is typing; refresh when they leave it
      return;
    }
    refreshWaiting = false;
    window.htmx.ajax("GET", window.location.pathname + window.location.search, {
      target: "#main",
      select: "#main",
      swap: "outerHTML",
    });
  }

  document.addEventListener("focusout", function () {
    if (refreshWaiting) {
      window.setTimeout(refresh, 0);
    }
  });

  connect();
})();
