// Clocks on the agenda screens, and drag and drop on the secretariat's agenda editor.
(function () {
  "use strict";

  // Speaking times count up and the chair's timer counts down, every second, from the figure
  // the server rendered; counting from the moment the figure appeared makes the tablet's own
  // clock irrelevant. live.js morphs elements in place, so a new figure restarts the count.
  var seen = new WeakMap();

  function format(seconds) {
    var sign = seconds < 0 ? "−" : "";
    seconds = Math.abs(seconds);
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return sign + minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-count-up], [data-count-down]").forEach(function (clock) {
      var figure = clock.dataset.countUp || clock.dataset.countDown;
      if (!seen.has(clock) || seen.get(clock).figure !== figure) {
        seen.set(clock, { figure: figure, at: now });
      }
      var passed = Math.floor((now - seen.get(clock).at) / 1000);
      var value;
      if ("countUp" in clock.dataset) {
        value = parseInt(clock.dataset.countUp, 10) + passed;
        var limit = parseInt(clock.dataset.limit, 10);
        clock.classList.toggle("is-over", limit > 0 && value > limit);
      } else {
        value = Math.max(0, parseInt(clock.dataset.countDown, 10) - passed);
        clock.classList.toggle("is-over", value === 0);
      }
      clock.textContent = format(value);
    });
  }
  tick();
  window.setInterval(tick, 1000);

  // The editor's lists: dropping an item sends the move form with its new parent and position.
  // Without this script, the up and down buttons do the same.
  if (!window.Sortable) {
    return;
  }
  var sorted = new WeakSet();

  function sortable() {
    document.querySelectorAll("[data-sortable-items]").forEach(function (list) {
      if (sorted.has(list)) {
        return;
      }
      sorted.add(list);
      window.Sortable.create(list, {
        group: "agenda",
        handle: ".drag-handle",
        // Rows glide into place, unless the person asked for less motion.
        animation: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? 0 : 150,
        // Pointer events rather than the browser's own drag and drop, which tablets lack.
        forceFallback: true,
        fallbackOnBody: true,
        swapThreshold: 0.65,
        onEnd: function (event) {
          if (event.from === event.to && event.oldIndex === event.newIndex) {
            return;
          }
          var form = document.getElementById("move-form");
          form.action = event.item.dataset.moveUrl;
          form.elements.parent.value = event.to.dataset.parent || "";
          form.elements.position.value = event.newIndex;
          form.submit();
        },
      });
    });
  }
  sortable();
  // Lists that a live change brought (a new item's sub-list) become sortable too.
  document.addEventListener("live:applied", sortable);
})();
