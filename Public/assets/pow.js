/* heroform: optional proof of work. Fetches a puzzle from this server and solves it in a Web Worker, so the form
   can be sent; solves a new one when the server asks for it (event "heroform:pow-refresh"). No third party. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-pow]");
  if (!form || !window.Worker || !window.fetch) { return; }
  var field = form.querySelector("input[name='_pow']");
  if (!field) { return; }
  var worker = null;
  function solve() {
    field.value = "";
    if (worker) { worker.terminate(); }
    fetch(form.getAttribute("data-pow"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (challenge) {
        worker = new Worker("/assets/pow-worker.js");
        worker.onmessage = function (event) {
          worker.terminate();
          worker = null;
          if (event.data === null) { return; }
          field.value = btoa(JSON.stringify({
            algorithm: challenge.algorithm, challenge: challenge.challenge, number: event.data,
            salt: challenge.salt, signature: challenge.signature
          }));
          form.dispatchEvent(new CustomEvent("heroform:pow-solved"));
        };
        worker.postMessage(challenge);
      })
      .catch(function () { /* The server answers with a clear message if the form is sent unsolved. */ });
  }
  form.addEventListener("heroform:pow-refresh", solve);
  solve();
})();
