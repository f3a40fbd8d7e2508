/* heroform: the form's progressive enhancement. Without this script the form works by plain POST; with it, the form
   is sent with fetch, errors appear beside their fields without a reload, the button is disabled while sending, and
   the reference is shown. Inside an iframe it reports its height and success to the embedding page — only to the
   origin the server named in data-parent-origin. All texts come from the page (data-* attributes). */
(function () {
  "use strict";
  var form = document.querySelector("form.hf-form");
  if (!form || !window.fetch || !window.FormData || !window.URLSearchParams) { return; }
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

  function clearErrors() {
    form.querySelectorAll(".hf-error").forEach(function (node) { node.remove(); });
    form.querySelectorAll("[aria-invalid]").forEach(function (field) {
      field.removeAttribute("aria-invalid");
      field.removeAttribute("aria-describedby");
      var block = field.closest(".hf-field");
      if (block) { block.classList.remove("hf-field--invalid"); }
    });
    document.querySelectorAll(".hf-summary").forEach(function (node) { node.remove(); });
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
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-describedby", message.id);
      var block = field.closest(".hf-field");
      block.classList.add("hf-field--invalid");
      block.appendChild(message);
      if (name.indexOf("project_") === 0 && toggle) { toggle.checked = true; }
      items.push({ name: name, message: errors[name] });
      if (!first) { first = field; }
    });
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
    box.focus();
    tell({ type: "heroform:success", reference: reference });
    reportHeight();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (form.getAttribute("aria-busy") === "true") { return; }
    clearErrors();
    form.setAttribute("aria-busy", "true");
    button.disabled = true;
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    })
      .then(function (response) {
        return response.json().then(function (body) { return { status: response.status, body: body }; });
      })
      .then(function (result) {
        if ((result.status === 200 || result.status === 202) && result.body.reference) {
          showSuccess(result.body.reference);
        } else {
          showErrors(result.body);
        }
      })
      .catch(function () { showErrors({ message: form.getAttribute("data-network-error") }); })
      .then(function () {
        form.removeAttribute("aria-busy");
        button.disabled = false;
        reportHeight();
      });
  });
})();
