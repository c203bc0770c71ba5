/**
 * The hosted pages' only WebAuthn code (WebAuthn Level 3): read a form's `data-options`, call
 * `navigator.credentials.create/get`, put the credential's JSON (§5.1.8/§5.1.9 `toJSON()`) in
 * the form's `credential` field and submit it. Served from our origin so the CSP stays
 * `script-src 'self'`. Uses the Level 3 JSON helpers (`parse…OptionsFromJSON`, `toJSON`) where
 * the browser has them and converts by hand where it does not. Plain ES2017, no dependencies.
 */
export const PASSKEY_JS = `(function () {
  'use strict';
  var PKC = window.PublicKeyCredential;
  function b64ToBuf(s) {
    s = s.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) s += '=';
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  function bufToB64(buf) {
    var bytes = new Uint8Array(buf), bin = '';
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  }
  function withIds(list) {
    return (list || []).map(function (c) {
      return { type: c.type, id: b64ToBuf(c.id), transports: c.transports };
    });
  }
  function creationOptions(o) {
    if (PKC.parseCreationOptionsFromJSON) return PKC.parseCreationOptionsFromJSON(o);
    var p = Object.assign({}, o, { challenge: b64ToBuf(o.challenge), excludeCredentials: withIds(o.excludeCredentials) });
    p.user = Object.assign({}, o.user, { id: b64ToBuf(o.user.id) });
    return p;
  }
  function requestOptions(o) {
    if (PKC.parseRequestOptionsFromJSON) return PKC.parseRequestOptionsFromJSON(o);
    return Object.assign({}, o, { challenge: b64ToBuf(o.challenge), allowCredentials: withIds(o.allowCredentials) });
  }
  function toJSON(cred) {
    if (typeof cred.toJSON === 'function') return cred.toJSON();
    var r = cred.response, out = { id: cred.id, rawId: bufToB64(cred.rawId), type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults(), response: { clientDataJSON: bufToB64(r.clientDataJSON) } };
    if (r.attestationObject) {
      out.response.attestationObject = bufToB64(r.attestationObject);
      out.response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      out.response.authenticatorData = bufToB64(r.authenticatorData);
      out.response.signature = bufToB64(r.signature);
      if (r.userHandle) out.response.userHandle = bufToB64(r.userHandle);
    }
    return out;
  }
  function setup(form) {
    var call = form.getAttribute('data-passkey');
    var options = JSON.parse(form.getAttribute('data-options'));
    var button = form.querySelector('[data-passkey-start]');
    var status = form.querySelector('[data-passkey-status]');
    var pending = null;
    function say(what) { status.textContent = status.getAttribute('data-' + what) || ''; }
    function send(cred) {
      form.elements.credential.value = JSON.stringify(toJSON(cred));
      form.submit();
    }
    function run(mediation) {
      if (pending) pending.abort();
      var abort = new AbortController();
      pending = abort;
      var req = { signal: abort.signal };
      if (call === 'create') req.publicKey = creationOptions(options);
      else req.publicKey = requestOptions(options);
      if (mediation) req.mediation = mediation;
      else say('working');
      var p = call === 'create' ? navigator.credentials.create(req) : navigator.credentials.get(req);
      p.then(function (cred) { if (cred) send(cred); }, function (e) {
        if (abort.signal.aborted || (e && e.name === 'AbortError' && mediation)) return;
        say('cancelled');
      });
    }
    if (!PKC || !navigator.credentials) { say('unsupported'); return; }
    button.hidden = false;
    button.addEventListener('click', function () { run(null); });
    if (call === 'conditional' && PKC.isConditionalMediationAvailable) {
      PKC.isConditionalMediationAvailable().then(function (yes) { if (yes) run('conditional'); });
    }
  }
  document.addEventListener('DOMContentLoaded', function () {
    var forms = document.querySelectorAll('form[data-passkey]');
    for (var i = 0; i < forms.length; i++) setup(forms[i]);
  });
})();
`;
