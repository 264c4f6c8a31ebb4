// Small behaviours on top of plain HTML forms; every page works without this file.
(function () {
  "use strict";

  // Ask before a form that cannot be undone is sent (ending a membership, for example).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form instanceof HTMLFormElement && form.dataset.confirm;
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // A print button prints the page as it stands, through the print style sheet.
  document.addEventListener("click", function (event) {
    if (event.target instanceof Element && event.target.closest("[data-print]")) {
      window.print();
    }
  });

  // A second tap on a slow connection must not send the same form twice.
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) {
      return;
    }
    var form = event.target;
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });

  // Coming back with the browser's Back button shows the page as it was left: enable again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("button[type=submit][disabled]").forEach(function (button) {
      button.disabled = false;
    });
  });

  // A polled box whose session has expired gets the login page back: load the whole page again,
  // which leads to the login form, instead of drawing the form inside the box.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var loginUrl = document.body.dataset.loginUrl;
    var xhr = event.detail.xhr;
    if (loginUrl && xhr && xhr.responseURL && new URL(xhr.responseURL).pathname === loginUrl) {
      event.preventDefault();
      window.location.reload();
    }
  });

  // A form marked so (the ballot box) answers a refusal with its own box and the reason: put it
  // in place like any answer, where htmx would otherwise drop a 4xx.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = event.detail.requestConfig && event.detail.requestConfig.elt;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (form instanceof Element && form.closest("[data-refusal-in-place]") && status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Any other failure of such a form (a stale form token, an unreachable server) must not look
  // like a ballot cast: say so in its box.
  function sayNotSent(event) {
    var form = event.detail.requestConfig && event.detail.requestConfig.elt;
    form = form instanceof Element ? form.closest("[data-send-failed]") : null;
    if (!form) {
      return;
    }
    var box = form.parentElement;
    var alert = box.querySelector(":scope > .error-box") || document.createElement("div");
    alert.className = "error-box";
    alert.setAttribute("role", "alert");
    alert.textContent = form.dataset.sendFailed;
    box.prepend(alert);
  }
  document.addEventListener("htmx:responseError", sayNotSent);
  document.addEventListener("htmx:sendError", sayNotSent);

  // The polled quorum and board keep their last figures when the network drops for a moment;
  // mark them stale so nobody relies on an old count.
  document.addEventListener("htmx:sendError", function (event) {
    event.target.classList.add("is-stale");
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    event.target.classList.remove("is-stale");
  });
})();
