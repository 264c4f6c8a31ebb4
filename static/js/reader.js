// The document reader: pdf.js draws one page at a time on a canvas. There is no text layer
// and no link to the file: a secret document is read here and nowhere else. The note form
// follows the page on screen, so a note is written about the page being read.
// Follow the presenter: the page the presenter shows the room arrives in the `presenting`
// region (live.js applies it, for those who may read the paper). A tablet whose reader chose to
// follow goes to it, opening the paper if it is another; the page is marked either way. The
// choice is kept on the tablet, per meeting, until the reader leaves.
const reader = document.getElementById("reader");

function part(name) {
  return reader.querySelector(`[data-reader="${name}"]`);
}

async function start() {
  const pdfjs = await import(reader.dataset.pdfjsUrl);
  pdfjs.GlobalWorkerOptions.workerSrc = reader.dataset.workerUrl;
  // withCredentials: the PDF is behind the session cookie, like the page. No eval: a PDF's
  // fonts are never turned into code. A paper that does not embed its fonts (Helvetica, Times,
  // or Chinese, Japanese and Korean text set with a predefined CMap) is drawn with pdf.js's own
  // font data and character maps, served with the other static files; the worker fetches them,
  // so it gets absolute URLs.
  const pdf = await pdfjs.getDocument({
    url: reader.dataset.pdfUrl,
    withCredentials: true,
    isEvalSupported: false,
    cMapUrl: new URL(reader.dataset.cmapsUrl, document.baseURI).href,
    cMapPacked: true,
    standardFontDataUrl: new URL(reader.dataset.standardFontsUrl, document.baseURI).href,
  }).promise;
  const canvas = part("canvas");
  const position = part("position");
  const notePage = document.querySelector('[data-reader="note-page"]');
  const noteLabel = document.querySelector('[data-reader="note-label"]');
  const presentPage = document.querySelector('[data-reader="present-page"]');
  const presented = part("presented");
  const follow = document.querySelector("[data-follow]");
  const followKey = follow ? `follow-presenter-${follow.dataset.follow}` : "";
  let page = Math.min(Math.max(parseInt(reader.dataset.page, 10) || 1, 1), pdf.numPages);
  let presentedPage = null;
  let zoom = 1;
  let drawing = null;

  async function draw() {
    if (drawing) {
      drawing.cancel();
    }
    const current = await pdf.getPage(page);
    const fit = (canvas.parentElement.clientWidth || 800) / current.getViewport({ scale: 1 }).width;
    const ratio = window.devicePixelRatio || 1;
    const viewport = current.getViewport({ scale: fit * zoom * ratio });
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    canvas.style.width = `${Math.floor(viewport.width / ratio)}px`;
    drawing = current.render({ canvasContext: canvas.getContext("2d"), viewport });
    try {
      await drawing.promise;
      canvas.dataset.renderedPage = String(page);
    } catch (error) {
      if (error?.name !== "RenderingCancelledException") {
        throw error;
      }
    }
    position.textContent = position.dataset.template.replace("{page}", page);
    if (notePage) {
      notePage.value = page;
      noteLabel.textContent = noteLabel.dataset.template.replace("{page}", page);
    }
    document.querySelectorAll(".note[data-page]").forEach((note) => {
      note.classList.toggle("is-current-page", parseInt(note.dataset.page, 10) === page);
    });
    if (presentPage) {
      presentPage.value = page;
    }
    mark();
  }

  function mark() {
    const shown = presentedPage === page;
    reader.classList.toggle("is-presented", shown);
    presented.hidden = !shown;
  }

  function following() {
    return followKey !== "" && window.localStorage.getItem(followKey) === "1";
  }

  function showFollowing() {
    const on = following();
    follow.setAttribute("aria-pressed", on ? "true" : "false");
    follow.textContent = on ? follow.dataset.followingLabel : follow.dataset.followLabel;
  }

  function presenting() {
    const shown = document.getElementById("presenting");
    const paper = shown ? shown.dataset.document : undefined;
    const at = shown ? parseInt(shown.dataset.page, 10) : NaN;
    presentedPage = paper === reader.dataset.document ? at : null;
    if (following() && paper) {
      if (paper !== reader.dataset.document) {
        window.location.assign(shown.dataset.url);
        return;
      }
      go(at);
    }
    mark();
  }

  function go(to) {
    const next = Math.min(Math.max(to, 1), pdf.numPages);
    if (next !== page) {
      page = next;
      draw();
    }
  }

  part("previous").addEventListener("click", () => go(page - 1));
  part("next").addEventListener("click", () => go(page + 1));
  part("zoom-in").addEventListener("click", () => {
    zoom = Math.min(zoom * 1.25, 4);
    draw();
  });
  part("zoom-out").addEventListener("click", () => {
    zoom = Math.max(zoom / 1.25, 0.5);
    draw();
  });
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("textarea, input")) {
      return;
    }
    if (event.key === "ArrowRight" || event.key === "PageDown") {
      go(page + 1);
    } else if (event.key === "ArrowLeft" || event.key === "PageUp") {
      go(page - 1);
    }
  });
  document.querySelectorAll("[data-reader-goto]").forEach((link) => {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      go(parseInt(link.dataset.readerGoto, 10));
      reader.scrollIntoView({ behavior: "smooth" });
    });
  });
  // Following needs the meeting's socket: there is none once the meeting is over.
  if (follow && document.querySelector("[data-meeting-socket]")) {
    follow.hidden = false;
    showFollowing();
    follow.addEventListener("click", () => {
      if (following()) {
        window.localStorage.removeItem(followKey);
      } else {
        window.localStorage.setItem(followKey, "1");
      }
      showFollowing();
      presenting(); // rejoining goes to the page shown now
    });
  }
  document.addEventListener("live:applied", presenting);
  presenting();
  await draw();
}

if (reader) {
  start().catch(() => {
    const message = document.createElement("p");
    message.className = "error-box";
    message.setAttribute("role", "alert");
    message.textContent = reader.dataset.error;
    reader.prepend(message);
  });
}
