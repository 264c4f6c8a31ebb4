// Keeps a meeting page current: follows the meeting's event socket, naming the regions the page
// shows, and applies what each frame carries (docs/realtime-protocol.md). A complete frame brings
// the page's changed regions, already rendered for this person's audience, and a "regions" frame
// this person's own: they are morphed in place, so focus, the caret, typed text and open sections
// stay as they are. Only a frame that says `fetch` (the server replayed it from its log without
// regions) makes the page fetch itself, once for a burst of them.
// The server sends every event once and in order; this script still checks the numbers, so that
// a gap (or a heartbeat ahead of what it has) makes it reconnect from the last event it has.
(function () {
  "use strict";

  var holder = document.querySelector("[data-meeting-socket]");
  if (!holder || !window.WebSocket || !window.Idiomorph) {
    return;
  }
  var lastSeq = parseInt(holder.dataset.meetingSeq, 10) || 0;
  var pageUrl = holder.dataset.pageUrl || window.location.pathname + window.location.search;
  var me = document.body.dataset.userId;
  var attempt = 0;
  var fetchTimer = null;
  // The event each of this person's own elements was last drawn for, by the page (loaded or
  // fetched) or by a "regions" frame. Such a frame follows its event's frame, but may come after
  // later events' frames (everyone's frames go first): an element takes it only if nothing
  // later has drawn it.
  var pageSeq = lastSeq;
  var ownSeq = {};
  var socket = null;
  var RESYNC = 4000;

  // A refused form answers its POST with the page and the error: show the page's own address,
  // so that a reload (or the fetch below) asks for the page, not for the form again.
  if ("posted" in holder.dataset) {
    window.history.replaceState(null, "", pageUrl + window.location.hash);
  }

  // The shared regions this page shows: those with an element on it. The socket names them, and
  // its frames carry those alone; when a change brings an element of another one, the page asks
  // the socket to follow that one too.
  var regionIds = JSON.parse(holder.dataset.meetingRegions || "{}");
  var shown = {};

  function hasElement(root, id) {
    if (id.slice(-1) === "-") {
      return (root.id || "").indexOf(id) === 0 || root.querySelector('[id^="' + id + '"]') !== null;
    }
    return root.id === id || root.querySelector('[id="' + id + '"]') !== null;
  }

  function findRegions(root) {
    var found = false;
    Object.keys(regionIds).forEach(function (name) {
      var present = regionIds[name].some(function (id) {
        return hasElement(root, id);
      });
      if (present && !shown[name]) {
        shown[name] = true;
        found = true;
      }
    });
    return found;
  }

  function named() {
    return Object.keys(shown).sort();
  }

  // Tell the socket about regions found since it was opened (a socket still connecting is told
  // when it opens).
  function follow(root) {
    if (root && findRegions(root) && socket && socket.readyState === WebSocket.OPEN) {
      sendFollow(socket);
    }
  }

  function sendFollow(ws) {
    ws.send(JSON.stringify({ type: "follow", regions: named(), seq: lastSeq }));
  }

  function show(state) {
    holder.dataset.state = state;
    holder.hidden = state === "live";
    holder.textContent = state === "live" ? "" : holder.dataset[state + "Label"];
  }

  // Regions are rendered for everyone alike: rows about the person holding the tablet are marked
  // with who they are about (data-people), and their own buttons with whom they are for
  // (data-only-for) or not for (data-not-for).
  function names(list) {
    return list.split(" ").indexOf(me) !== -1;
  }

  function markMine(root) {
    root.querySelectorAll("[data-people]").forEach(function (row) {
      row.classList.toggle("is-me", names(row.dataset.people));
    });
    root.querySelectorAll("[data-only-for]").forEach(function (element) {
      element.hidden = !names(element.dataset.onlyFor);
    });
    root.querySelectorAll("[data-not-for]").forEach(function (element) {
      element.hidden = names(element.dataset.notFor);
    });
  }

  // What the person has typed or chosen and not sent yet is theirs: keep it.
  function edited(node) {
    if (node instanceof HTMLInputElement && (node.type === "checkbox" || node.type === "radio")) {
      return node.checked !== node.defaultChecked;
    }
    if (node instanceof HTMLInputElement || node instanceof HTMLTextAreaElement) {
      return node.type !== "hidden" && node.value !== node.defaultValue;
    }
    if (node instanceof HTMLSelectElement) {
      return Array.prototype.some.call(node.options, function (option) {
        return option.selected !== option.defaultSelected;
      });
    }
    return false;
  }

  var MORPH = {
    morphStyle: "outerHTML",
    ignoreActiveValue: true,
    restoreFocus: true,
    callbacks: {
      beforeNodeMorphed: function (oldNode, newNode) {
        // A region drawn for everyone holds the person's own regions as empty placeholders:
        // keep what the page shows of them; their own frame brings their changes.
        // What the page's own script draws (the reader's page) stays as that script drew it.
        if (oldNode instanceof Element && oldNode.hasAttribute("data-live-keep")) {
          return false;
        }
        if (
          newNode instanceof Element &&
          newNode.hasAttribute("data-placeholder") &&
          oldNode instanceof Element &&
          !oldNode.hasAttribute("data-placeholder")
        ) {
          return false;
        }
        return !edited(oldNode);
      },
      beforeAttributeUpdated: function (name, node) {
        // An open or closed section stays as the person left it.
        return !(name === "open" && node instanceof HTMLDetailsElement);
      },
    },
  };

  function morph(target, html) {
    window.Idiomorph.morph(target, html, MORPH);
    // A form that arrives in a region (the ballot box of a vote just opened) is sent in the
    // background like one drawn with the page.
    var drawn = document.getElementById(target.id);
    if (window.htmx && drawn) {
      window.htmx.process(drawn);
    }
  }

  // The texts a region marks to be read out (`data-announce`): a vote opened, my ballot
  // recorded, a result. Those that a change brings are said once through the announcer.
  function announcements(element) {
    var texts = [];
    if (element) {
      element.querySelectorAll("[data-announce]").forEach(function (node) {
        texts.push(node.textContent.replace(/\s+/g, " ").trim());
      });
    }
    return texts;
  }

  function announce(texts) {
    var announcer = document.getElementById("live-announcer");
    if (announcer && texts.length) {
      announcer.textContent = texts.join(" ");
    }
  }

  function apply(regions) {
    var changed = false;
    var news = [];
    Object.keys(regions || {}).forEach(function (id) {
      var target = document.getElementById(id);
      if (target) {
        var before = announcements(target);
        morph(target, regions[id]);
        announcements(document.getElementById(id)).forEach(function (text) {
          if (before.indexOf(text) === -1 && news.indexOf(text) === -1) {
            news.push(text);
          }
        });
        follow(document.getElementById(id));
        changed = true;
      }
    });
    if (changed) {
      markMine(document);
      announce(news);
      document.dispatchEvent(new CustomEvent("live:applied"));
    }
  }

  function applyOwn(frame) {
    var newer = {};
    Object.keys(frame.regions || {}).forEach(function (id) {
      if (frame.seq > Math.max(pageSeq, ownSeq[id] || 0)) {
        newer[id] = frame.regions[id];
        ownSeq[id] = frame.seq;
      }
    });
    apply(newer);
  }

  // The one fetch: after a frame without regions, fetch the page and morph it in.
  function scheduleFetch() {
    window.clearTimeout(fetchTimer);
    fetchTimer = window.setTimeout(function () {
      var fetchedAt = lastSeq;
      window
        .fetch(pageUrl, { credentials: "same-origin", headers: { "X-Live-Fetch": "1" } })
        .then(function (response) {
          if (response.redirected) {
            window.location.reload(); // the session ended: the page leads to the login form
            return null;
          }
          return response.ok ? response.text() : null;
        })
        .then(function (text) {
          var main = text && new DOMParser().parseFromString(text, "text/html").getElementById("main");
          if (main) {
            pageSeq = Math.max(pageSeq, fetchedAt);
            morph(document.getElementById("main"), main.outerHTML);
            follow(document.getElementById("main"));
            markMine(document);
            document.dispatchEvent(new CustomEvent("live:applied"));
          }
        });
    }, 250);
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    var url = scheme + "//" + window.location.host + holder.dataset.meetingSocket;
    var asked = named().join(",");
    var query =
      "?since=" +
      lastSeq +
      "&lang=" +
      encodeURIComponent(holder.dataset.meetingLanguage || "") +
      "&regions=" +
      encodeURIComponent(asked);
    // A room display follows with its token instead of a session.
    if (holder.dataset.meetingDisplay) {
      query += "&display=" + encodeURIComponent(holder.dataset.meetingDisplay);
    }
    var ws = new WebSocket(url + query);
    socket = ws;
    ws.onopen = function () {
      attempt = 0;
      show("live");
      if (named().join(",") !== asked) {
        sendFollow(ws);
      }
    };
    ws.onmessage = function (message) {
      var frame = JSON.parse(message.data);
      if (frame.type === "event") {
        if (frame.seq <= lastSeq) {
          return;
        }
        if (frame.seq !== lastSeq + 1) {
          ws.close(RESYNC);
          return;
        }
        lastSeq = frame.seq;
        apply(frame.regions);
        patch(frame);
        if (frame.fetch) {
          scheduleFetch();
        }
      } else if (frame.type === "regions" && frame.seq <= lastSeq) {
        // This person's own regions, changed by an event already applied.
        if (frame.fetch) {
          scheduleFetch();
        } else {
          applyOwn(frame);
        }
      } else if (frame.type === "following" && frame.fetch) {
        scheduleFetch(); // events it had already sent lacked the regions the page now follows
      } else if (frame.type === "heartbeat" && frame.seq > lastSeq) {
        ws.close(RESYNC);
      } else if (frame.type === "presence") {
        document.querySelectorAll('[data-online="' + frame.user + '"]').forEach(function (mark) {
          mark.hidden = !frame.online;
        });
      }
    };
    ws.onclose = function (event) {
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

  // A ballot changes one figure, the turnout, which the frame's payload carries.
  function patch(frame) {
    if (frame.event === "voting.ballot_cast" && frame.payload) {
      document.querySelectorAll('[data-turnout="' + frame.payload.poll + '"]').forEach(function (figure) {
        figure.textContent = frame.payload.turnout;
      });
    }
  }

  // Regions are rendered once for everyone, without anyone's form token and without knowing
  // which page shows them: a form sent from one carries this page's token, and comes back to
  // this page (`return_to`).
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var token = document.querySelector('meta[name="csrf-token"]');
      if (!(form instanceof HTMLFormElement) || form.method !== "post" || !token) {
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
      var back = form.querySelector('input[name="return_to"]');
      if (back && holder.dataset.returnTo) {
        back.value = holder.dataset.returnTo;
      }
    },
    true
  );

  markMine(document);
  findRegions(document);
  connect();
})();
