/* heroform demo: the site-JS way, as in README.md, talking to this server. */
(function () {
  "use strict";
  var heroform = window.location.origin;
  var form = document.getElementById("contact-form");
  if (!form) { return; }
  var result = document.getElementById("contact-result");
  var token = null;
  function loadToken() {
    return fetch(heroform + "/token?form=default").then(function (r) { return r.json(); }).then(function (j) { token = j.token; });
  }
  loadToken();
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    form.querySelectorAll("[data-error-for]").forEach(function (slot) { slot.textContent = ""; });
    var data = Object.fromEntries(new FormData(form));
    data.consent = form.elements.consent.checked;
    data.form = "default";
    data._token = token;
    fetch(heroform + "/leads", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(data)
    })
      .then(function (r) { return r.json().then(function (body) { return { status: r.status, body: body }; }); })
      .then(function (answer) {
        if (answer.status === 200 || answer.status === 202) {
          result.textContent = "Vielen Dank! Ihre Referenz: " + answer.body.reference;
          form.reset();
          loadToken(); // a token takes one lead: the next one needs its own
          return;
        }
        var errors = answer.body.errors || {};
        Object.keys(errors).forEach(function (name) {
          var slot = form.querySelector("[data-error-for='" + name + "']");
          if (slot) { slot.textContent = errors[name]; }
        });
        if (errors._token) { loadToken(); } // expired, too fresh or used: take a new one
        result.textContent = answer.body.message || "";
      })
      .catch(function () { result.textContent = "Die Verbindung ist fehlgeschlagen."; });
  });
})();
