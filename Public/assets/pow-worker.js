/* heroform: finds the number n with SHA-256(salt + n) == challenge. */
self.onmessage = async function (event) {
  var challenge = event.data;
  var encoder = new TextEncoder();
  for (var n = 0; n <= challenge.maxnumber; n++) {
    var digest = await crypto.subtle.digest("SHA-256", encoder.encode(challenge.salt + n));
    var hex = Array.prototype.map.call(new Uint8Array(digest), function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
    if (hex === challenge.challenge) { self.postMessage(n); return; }
  }
  self.postMessage(null);
};
