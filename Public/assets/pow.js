/* heroform: optional proof of work. Fetches a puzzle from this server and solves it in a Web Worker, so the form
   can be sent. No third party is involved. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-pow]");
  if (!form || !window.Worker || !window.fetch) { return; }
  var field = form.querySelector("input[name='_pow']");
  if (!field) { return; }
  fetch(form.getAttribute("data-pow"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (response) { return response.json(); })
    .then(function (challenge) {
      var worker = new Worker("/assets/pow-worker.js");
      worker.onmessage = function (event) {
        worker.terminate();
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
})();
