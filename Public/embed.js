/* heroform: embeds the contact form in an iframe that grows and shrinks with its content.
     <script src="https://forms.example.de/embed.js" data-form="default" async></script>
   Optional: data-lang="en", data-title="Kontaktformular"; any other data-NAME="value" is passed to the form page as
   ?NAME=value, so data-service="dach" preselects that answer of the form's question "service". The page's utm_* and
   gclid parameters and its address are passed to the form (forms.ID.attribution). After a successful send the
   iframe dispatches a
   "heroform:success" event (bubbling, detail.reference) on the page. Messages are accepted only from the form's own
   origin and its own iframe. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) { return; }
  var base = new URL(script.src);
  var origin = base.origin;
  var form = script.getAttribute("data-form") || "default";
  var path = form === "default" ? "/" : "/forms/" + encodeURIComponent(form);
  var src = new URL(path, origin);
  src.searchParams.set("parent", window.location.origin);
  var lang = script.getAttribute("data-lang");
  if (lang) { src.searchParams.set("lang", lang); }
  // Answers to preselect: the server takes only names and values of the form's questions.
  var own = ["form", "lang", "title", "parent"];
  Array.prototype.forEach.call(script.attributes, function (attribute) {
    var name = attribute.name.slice(5);
    if (attribute.name.indexOf("data-") === 0 && name && own.indexOf(name) < 0) {
      src.searchParams.set(name, attribute.value);
    }
  });
  // Where a lead comes from, without cookies, storage or anyone else: this page's campaign parameters and its
  // address (without query or fragment) go into the form's URL, whose page keeps them in hidden fields.
  var here = new URL(window.location.href);
  ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "gclid"].forEach(function (name) {
    var value = here.searchParams.get(name);
    if (value) { src.searchParams.set(name, value); }
  });
  src.searchParams.set("page_url", here.origin + here.pathname);

  var frame = document.createElement("iframe");
  frame.src = src.toString();
  frame.title = script.getAttribute("data-title") || (lang === "en" ? "Contact form" : "Kontaktformular");
  frame.setAttribute("loading", "lazy");
  frame.style.width = "100%";
  frame.style.border = "0";
  frame.style.display = "block";
  frame.style.height = "600px";
  frame.className = "heroform-frame";
  script.parentNode.insertBefore(frame, script.nextSibling);

  window.addEventListener("message", function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) { return; }
    var data = event.data || {};
    if (data.type === "heroform:height" && typeof data.height === "number" && data.height > 0 && data.height < 20000) {
      frame.style.height = data.height + "px";
    } else if (data.type === "heroform:success" && typeof data.reference === "string") {
      frame.dispatchEvent(new CustomEvent("heroform:success", { bubbles: true, detail: { reference: data.reference } }));
    }
  });
})();
