/* heroform: the form's progressive enhancement. Without this script the form works by plain POST; with it, the form
   is sent with fetch, errors appear beside their fields without a reload, the button is disabled while sending, and
   the reference is shown. Inside an iframe it reports its height and success to the embedding page — only to the
   origin the server named in data-parent-origin. All texts come from the page (data-* attributes).

   A form with a file input (name "attachments") keeps its own list of the chosen files: each is shown with a
   thumbnail (images the browser can show) or a small icon, its name, size and a remove button; each is checked as the
   server checks it (its kind by its first bytes, its size, how many) and a file with a problem is shown with it and
   not sent; large photos are scaled down first when the page asks for it (data-resize-max-px). Such a form is sent
   as multipart/form-data with XMLHttpRequest, so a progress bar can show the upload. */
(function () {
  "use strict";
  var form = document.querySelector("form.hf-form");
  if (!form || !window.fetch || !window.FormData || !window.URLSearchParams) { return; }
  var fileInput = form.querySelector("input[type='file'][name='attachments']");
  // Without what the file list needs, a form with files is left to post by itself (which works).
  if (fileInput && !(window.FileReader && window.Promise && window.XMLHttpRequest && window.URL &&
      URL.createObjectURL && FormData.prototype.delete && Blob.prototype.slice)) { return; }
  var button = form.querySelector("button[type='submit']");
  var parentOrigin = form.getAttribute("data-parent-origin");
  // [[name, label], ...] in the order of the page.
  var fields = [];
  try { fields = JSON.parse(form.getAttribute("data-field-labels") || "[]"); } catch (e) { fields = []; }
  var labels = {};
  fields.forEach(function (pair) { labels[pair[0]] = pair[1]; });

  function tell(message) {
    if (parentOrigin && window.parent !== window) { window.parent.postMessage(message, parentOrigin); }
  }
  function reportHeight() {
    tell({ type: "heroform:height", height: Math.ceil(document.documentElement.getBoundingClientRect().height) });
  }
  if (parentOrigin) {
    if (window.ResizeObserver) { new ResizeObserver(reportHeight).observe(document.body); }
    window.addEventListener("load", reportHeight);
    reportHeight();
  }

  // Unticking "project address differs" forgets what was typed there.
  var toggle = form.querySelector(".hf-toggle");
  if (toggle) {
    toggle.addEventListener("change", function () {
      if (toggle.checked) { return; }
      form.querySelectorAll(".hf-project input, .hf-project select").forEach(function (field) {
        if (field.tagName === "SELECT") { field.selectedIndex = 0; } else { field.value = ""; }
      });
    });
  }

  var attachments = fileInput ? fileList(fileInput) : null;

  // A date question with min "today" takes the visitor's own today (the page may have been cached since midnight).
  form.querySelectorAll("input[type='date'][data-min-today]").forEach(function (input) {
    var now = new Date();
    function pad(number) { return (number < 10 ? "0" : "") + number; }
    input.min = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate());
  });

  function clearErrors() {
    form.querySelectorAll(".hf-error").forEach(function (node) {
      // The chosen files' own problems stay as long as the files do.
      if (!node.closest(".hf-files")) { node.remove(); }
    });
    form.querySelectorAll("[aria-invalid]").forEach(function (field) {
      field.removeAttribute("aria-invalid");
      field.removeAttribute("aria-describedby");
      var block = field.closest(".hf-field");
      if (block) { block.classList.remove("hf-field--invalid"); }
    });
    // A group of checkboxes (a fieldset) carries its error in aria-describedby alone.
    form.querySelectorAll("fieldset.hf-question[aria-describedby]").forEach(function (group) {
      group.removeAttribute("aria-describedby");
      group.classList.remove("hf-field--invalid");
    });
    document.querySelectorAll(".hf-summary").forEach(function (node) { node.remove(); });
    if (attachments) { attachments.describe(); }
  }

  function summary(text, items) {
    var box = document.createElement("div");
    box.className = "hf-summary";
    box.id = "hf-summary";
    box.setAttribute("role", "alert");
    box.tabIndex = -1;
    var lead = document.createElement("p");
    lead.textContent = text;
    box.appendChild(lead);
    if (items.length) {
      var list = document.createElement("ul");
      items.forEach(function (item) {
        var entry = document.createElement("li");
        var link = document.createElement("a");
        link.href = "#hf-" + item.name;
        link.textContent = (labels[item.name] || item.name) + ": " + item.message;
        entry.appendChild(link);
        list.appendChild(entry);
      });
      box.appendChild(list);
    }
    form.parentNode.insertBefore(box, form);
    return box;
  }

  function showErrors(body) {
    var errors = (body && body.errors) || {};
    var items = [];
    var first = null;
    fields.forEach(function (pair) {
      var name = pair[0];
      if (!errors[name]) { return; }
      var field = document.getElementById("hf-" + name);
      if (!field) { return; }
      var message = document.createElement("p");
      message.className = "hf-error";
      message.id = "hf-" + name + "-error";
      message.textContent = errors[name];
      // A group of radios or checkboxes is a fieldset: aria-invalid belongs on a radiogroup, not a plain group.
      var group = field.tagName === "FIELDSET";
      if (!group || field.getAttribute("role") === "radiogroup") { field.setAttribute("aria-invalid", "true"); }
      field.setAttribute("aria-describedby", message.id);
      var block = field.closest(".hf-field");
      block.classList.add("hf-field--invalid");
      block.appendChild(message);
      if (name.indexOf("project_") === 0 && toggle) { toggle.checked = true; }
      items.push({ name: name, message: errors[name] });
      if (!first) { first = group ? (field.querySelector("input") || field) : field; }
    });
    // The file input keeps its hint and the chosen files' problems beside the server's message.
    if (attachments) { attachments.describe(); }
    var box = summary((body && body.message) || form.getAttribute("data-error-summary"), items);
    if (errors._token) { refreshToken(); }
    if (errors._pow) { form.dispatchEvent(new CustomEvent("heroform:pow-refresh")); }
    (first || box).focus();
  }

  function refreshToken() {
    fetch(form.getAttribute("data-token-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        var field = form.querySelector("input[name='_token']");
        if (field && answer.token) { field.value = answer.token; }
      })
      .catch(function () {});
  }

  function showSuccess(reference) {
    var box = document.createElement("div");
    box.className = "hf-success";
    box.setAttribute("role", "status");
    box.tabIndex = -1;
    var heading = document.createElement("h2");
    heading.textContent = form.getAttribute("data-success-title");
    var text = document.createElement("p");
    var template = form.getAttribute("data-success-text") || "{reference}";
    var parts = template.split("{reference}");
    text.appendChild(document.createTextNode(parts[0]));
    var strong = document.createElement("strong");
    strong.className = "hf-reference";
    strong.textContent = reference;
    text.appendChild(strong);
    text.appendChild(document.createTextNode(parts.slice(1).join("")));
    box.appendChild(heading);
    box.appendChild(text);
    form.parentNode.replaceChild(box, form);
    if (attachments) { attachments.forget(); }
    box.focus();
    tell({ type: "heroform:success", reference: reference });
    reportHeight();
  }

  // A form without files: URL-encoded with fetch, as always.
  function sendEncoded() {
    return fetch(form.getAttribute("action"), {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    });
  }

  // A form with files: multipart with the kept files (not the input's own), with a progress bar while it goes up.
  function sendMultipart(kept) {
    var data = new FormData(form);
    data.delete(fileInput.name);
    kept.forEach(function (file) { data.append(fileInput.name, file.blob, file.name); });
    var bar = attachments.progress();
    return new Promise(function (resolve, reject) {
      var request = new XMLHttpRequest();
      request.open("POST", form.getAttribute("action"));
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable && event.total > 0) {
          bar.max = event.total;
          bar.value = event.loaded;
        }
      });
      request.upload.addEventListener("load", function () { bar.value = bar.max; });
      request.addEventListener("load", function () {
        var body;
        try { body = JSON.parse(request.responseText); } catch (e) { reject(e); return; }
        resolve({ status: request.status, body: body });
      });
      request.addEventListener("error", function () { reject(new Error("network")); });
      request.addEventListener("abort", function () { reject(new Error("aborted")); });
      request.addEventListener("timeout", function () { reject(new Error("timeout")); });
      request.send(data);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") { return; }
    clearErrors();
    form.setAttribute("aria-busy", "true");
    button.disabled = true;
    var sending = attachments ? attachments.ready().then(sendMultipart) : sendEncoded();
    sending
      .then(function (result) {
        if ((result.status === 200 || result.status === 202) && result.body && result.body.reference) {
          showSuccess(result.body.reference);
        } else {
          showErrors(result.body);
        }
      })
      .catch(function () { showErrors({ message: form.getAttribute("data-network-error") }); })
      .then(function () {
        form.removeAttribute("aria-busy");
        button.disabled = false;
        if (attachments) { attachments.progressDone(); }
        reportHeight();
      });
  });

  /* The chosen files: kept here (choosing again adds to them), shown in a list under the input, checked like the
     server checks them. Returns what the form's sending needs. */
  function fileList(input) {
    var maxFiles = parseInt(input.getAttribute("data-max-files"), 10) || 0;
    var maxBytes = parseInt(input.getAttribute("data-max-bytes"), 10) || 0;
    var types = (input.getAttribute("data-types") || "").split(",").map(function (type) { return type.trim(); });
    var resizeMax = parseInt(input.getAttribute("data-resize-max-px") || "", 10) || 0;
    var shown = ["image/jpeg", "image/png", "image/webp"]; // what every browser can show and draw
    var icons = { "image/jpeg": "JPG", "image/png": "PNG", "image/webp": "WEBP", "image/heic": "HEIC", "application/pdf": "PDF" };
    var entries = [];
    var counter = 0;
    var scaling = Promise.resolve(); // one photo at a time: each takes its full size in memory while drawn

    var list = document.createElement("ul");
    list.className = "hf-files";
    list.id = input.id + "-list";
    input.parentNode.insertBefore(list, input.nextSibling);
    // Filled while sending; a live region that exists beforehand, so what appears in it is announced.
    var status = document.createElement("div");
    status.className = "hf-progress";
    status.setAttribute("aria-live", "polite");
    var actions = form.querySelector(".hf-actions") || form;
    actions.appendChild(status);

    function text(attribute, name) {
      return (input.getAttribute(attribute) || "").split("{name}").join(name);
    }

    function formatSize(bytes) {
      var lang = document.documentElement.lang || undefined;
      var options = { maximumFractionDigits: 1 };
      if (bytes < 1024 * 1024) { return Math.max(1, Math.round(bytes / 1024)).toLocaleString(lang) + " KB"; }
      return (bytes / (1024 * 1024)).toLocaleString(lang, options) + " MB";
    }

    // The file's kind by its first bytes, as the server decides it (AttachmentType.sniff): a media type, or null.
    function ascii(bytes, offset, length) {
      var result = "";
      for (var i = offset; i < offset + length && i < bytes.length; i++) { result += String.fromCharCode(bytes[i]); }
      return result;
    }
    function startsWith(bytes, signature) {
      if (bytes.length < signature.length) { return false; }
      for (var i = 0; i < signature.length; i++) { if (bytes[i] !== signature[i]) { return false; } }
      return true;
    }
    var heicBrands = ["heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs"];
    function isHEIC(bytes) {
      if (bytes.length < 16 || ascii(bytes, 4, 4) !== "ftyp") { return false; }
      var size = bytes[0] * 16777216 + bytes[1] * 65536 + bytes[2] * 256 + bytes[3];
      if (size < 16 || size % 4 !== 0) { return false; }
      var major = ascii(bytes, 8, 4);
      if (major === "avif" || major === "avis") { return false; }
      var brands = [major];
      for (var offset = 16; offset + 4 <= Math.min(size, bytes.length); offset += 4) { brands.push(ascii(bytes, offset, 4)); }
      return brands.some(function (brand) { return heicBrands.indexOf(brand) >= 0; });
    }
    function kindOf(bytes) {
      if (startsWith(bytes, [0xFF, 0xD8, 0xFF])) { return "image/jpeg"; }
      if (startsWith(bytes, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])) { return "image/png"; }
      if (bytes.length >= 12 && ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "WEBP") { return "image/webp"; }
      if (ascii(bytes, 0, 5) === "%PDF-") { return "application/pdf"; }
      if (isHEIC(bytes)) { return "image/heic"; }
      return null;
    }
    // When the bytes cannot be read, the declared type is all there is (the server decides by the bytes anyway).
    function sniff(file) {
      return new Promise(function (resolve) {
        var declared = icons[file.type] ? file.type : null;
        var reader = new FileReader();
        reader.onload = function () { resolve(kindOf(new Uint8Array(reader.result))); };
        reader.onerror = function () { resolve(declared); };
        try { reader.readAsArrayBuffer(file.slice(0, 64)); } catch (e) { resolve(declared); }
      });
    }

    // A photo larger than resizeMax on its longer side, drawn at that size and encoded as JPEG; nothing on failure.
    function scaleDown(entry) {
      return new Promise(function (resolve) {
        var url = URL.createObjectURL(entry.file);
        var image = new Image();
        function done(blob) {
          URL.revokeObjectURL(url);
          resolve(blob);
        }
        image.onload = function () {
          try {
            var width = image.naturalWidth;
            var height = image.naturalHeight;
            var longer = Math.max(width, height);
            if (!longer || longer <= resizeMax) { done(null); return; }
            var canvas = document.createElement("canvas");
            canvas.width = Math.max(1, Math.round(width * resizeMax / longer));
            canvas.height = Math.max(1, Math.round(height * resizeMax / longer));
            var context = canvas.getContext("2d");
            if (!context || !canvas.toBlob) { done(null); return; }
            context.fillStyle = "#ffffff"; // JPEG has no transparency: a PNG's clear parts become white
            context.fillRect(0, 0, canvas.width, canvas.height);
            context.drawImage(image, 0, 0, canvas.width, canvas.height);
            canvas.toBlob(function (blob) { done(blob && blob.size > 0 ? blob : null); }, "image/jpeg", 0.85);
          } catch (e) {
            done(null);
          }
        };
        image.onerror = function () { done(null); };
        image.src = url;
      });
    }
    function jpegName(name) {
      var base = name.replace(/\.[^.]*$/, "");
      return (base || name) + ".jpg";
    }

    function add(file) {
      var known = entries.some(function (entry) {
        return entry.file.name === file.name && entry.file.size === file.size && entry.file.lastModified === file.lastModified;
      });
      if (known) { return; }
      counter += 1;
      var entry = { file: file, blob: file, name: file.name, kind: undefined, error: "", id: input.id + "-file-" + counter };
      render(entry);
      entries.push(entry);
      entry.ready = sniff(file)
        .then(function (kind) {
          entry.kind = kind;
          var scalable = resizeMax > 0 && shown.indexOf(kind) >= 0 && types.indexOf("image/jpeg") >= 0;
          if (!scalable || entry.removed) { return null; }
          scaling = scaling
            .then(function () { return entry.removed ? null : scaleDown(entry); })
            .catch(function () { return null; });
          return scaling;
        })
        .then(function (smaller) {
          // The scaled copy is sent when it is smaller, under the file's name with .jpg.
          if (smaller && smaller.size < file.size) {
            entry.blob = smaller;
            entry.name = jpegName(file.name);
            entry.kind = "image/jpeg";
          }
        })
        .catch(function () {})
        .then(function () {
          if (entry.removed) { return; }
          preview(entry);
          update();
        });
    }

    function render(entry) {
      var item = document.createElement("li");
      item.className = "hf-file";
      item.id = entry.id;
      var picture = document.createElement("span");
      picture.className = "hf-file-preview";
      var info = document.createElement("span");
      info.className = "hf-file-info";
      var name = document.createElement("span");
      name.className = "hf-file-name";
      name.textContent = entry.file.name;
      var size = document.createElement("span");
      size.className = "hf-file-size";
      size.textContent = formatSize(entry.file.size);
      info.appendChild(name);
      info.appendChild(size);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "hf-file-remove";
      remove.setAttribute("aria-label", text("data-text-remove", entry.file.name));
      remove.title = remove.getAttribute("aria-label");
      var cross = document.createElement("span");
      cross.setAttribute("aria-hidden", "true");
      cross.textContent = "\u00d7";
      remove.appendChild(cross);
      remove.addEventListener("click", function () { removeEntry(entry); });
      item.appendChild(picture);
      item.appendChild(info);
      item.appendChild(remove);
      entry.node = item;
      entry.picture = picture;
      entry.size = size;
      list.appendChild(item);
      reportHeight();
    }

    // A thumbnail of an image the browser can show; a small label of the kind for the others.
    function preview(entry) {
      entry.size.textContent = formatSize(entry.blob.size);
      if (shown.indexOf(entry.kind) >= 0) {
        var image = document.createElement("img");
        image.className = "hf-file-thumb";
        image.alt = "";
        entry.url = URL.createObjectURL(entry.blob);
        image.addEventListener("load", reportHeight);
        image.addEventListener("error", function () {
          revoke(entry);
          icon(entry);
        });
        image.src = entry.url;
        entry.picture.textContent = "";
        entry.picture.appendChild(image);
      } else {
        icon(entry);
      }
    }
    function icon(entry) {
      var extension = /\.([A-Za-z0-9]{1,4})$/.exec(entry.file.name);
      var mark = document.createElement("span");
      mark.className = "hf-file-icon";
      mark.setAttribute("aria-hidden", "true");
      mark.textContent = icons[entry.kind] || (extension ? extension[1].toUpperCase() : "?");
      entry.picture.textContent = "";
      entry.picture.appendChild(mark);
    }
    function revoke(entry) {
      if (entry.url) {
        URL.revokeObjectURL(entry.url);
        entry.url = null;
      }
    }

    function removeEntry(entry) {
      var index = entries.indexOf(entry);
      if (index < 0) { return; }
      entries.splice(index, 1);
      entry.removed = true;
      revoke(entry);
      list.removeChild(entry.node);
      update();
      // The focus goes to the next file's remove button, or the previous one, or the input.
      var next = entries[index] || entries[index - 1];
      (next ? next.node.querySelector(".hf-file-remove") : input).focus();
    }

    // Each file's problem, in list order as the server counts: a wrong kind, too large, or one too many.
    function update() {
      var taken = 0;
      entries.forEach(function (entry) {
        var error = "";
        if (entry.kind === undefined) {
          taken += 1; // still being read: it holds its place
        } else if (!entry.kind || types.indexOf(entry.kind) < 0) {
          error = text("data-text-wrong-type", entry.file.name);
        } else if (maxBytes && entry.blob.size > maxBytes) {
          error = text("data-text-too-large", entry.file.name);
        } else if (maxFiles && taken >= maxFiles) {
          error = text("data-text-too-many", entry.file.name);
        } else {
          taken += 1;
        }
        showProblem(entry, error);
      });
      describe();
      reportHeight();
    }
    function showProblem(entry, error) {
      if (entry.error === error) { return; }
      entry.error = error;
      var old = entry.node.querySelector(".hf-error");
      if (old) { old.remove(); }
      entry.node.classList.toggle("hf-file--invalid", !!error);
      if (!error) { return; }
      var message = document.createElement("p");
      message.className = "hf-error";
      message.id = entry.id + "-error";
      message.setAttribute("role", "alert");
      message.textContent = error;
      entry.node.appendChild(message);
    }

    // The input is described by its hint, the server's message (if any) and every chosen file's problem.
    function describe() {
      var ids = [input.id + "-hint"];
      var server = document.getElementById(input.id + "-error");
      if (server) { ids.push(server.id); }
      entries.forEach(function (entry) { if (entry.error) { ids.push(entry.id + "-error"); } });
      input.setAttribute("aria-describedby", ids.join(" "));
      if (ids.length > 1) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
    }

    input.addEventListener("change", function () {
      var chosen = Array.prototype.slice.call(input.files || []);
      // The list keeps them; the input is emptied so choosing the same file again is noticed, and its own files
      // are never sent beside the list's.
      input.value = "";
      chosen.forEach(add);
      update();
    });
    describe();

    var bar = null;
    return {
      describe: describe,
      // The files to send, once each is read (and scaled): those without a problem.
      ready: function () {
        return Promise.all(entries.map(function (entry) { return entry.ready; })).then(function () {
          return entries.filter(function (entry) { return !entry.error; });
        });
      },
      progress: function () {
        status.textContent = "";
        bar = document.createElement("progress");
        bar.id = input.id + "-progress";
        var label = document.createElement("label");
        label.htmlFor = bar.id;
        label.textContent = input.getAttribute("data-text-sending") || "";
        status.appendChild(label);
        status.appendChild(bar);
        reportHeight();
        return bar;
      },
      progressDone: function () {
        status.textContent = "";
        bar = null;
      },
      // After sending: the thumbnails' memory is given back.
      forget: function () {
        entries.forEach(function (entry) {
          entry.removed = true;
          revoke(entry);
        });
        entries = [];
      }
    };
  }
})();
