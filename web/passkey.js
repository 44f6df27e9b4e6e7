// Passkeys (WebAuthn) on the hosted pages. A button with data-passkey-options="<url>" inside a
// form: on click, the form's hidden fields (tx, csrf) are posted to that URL, the JSON options
// that come back go to navigator.credentials.create() (registration: they have "user") or .get(),
// and the answer, as JSON with its binary fields in base64url, goes into the form's hidden input
// "credential" before the form is submitted. Without JavaScript the button does nothing.
(function () {
  'use strict';

  function toBytes(text) {
    var b64 = text.replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) b64 += '=';
    var raw = atob(b64);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out.buffer;
  }

  function toText(buffer) {
    if (!buffer) return null;
    var bytes = new Uint8Array(buffer);
    var raw = '';
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function descriptors(list) {
    return (list || []).map(function (d) {
      return { type: d.type || 'public-key', id: toBytes(d.id), transports: d.transports };
    });
  }

  function publicKeyOf(options) {
    var o = Object.assign({}, options);
    o.challenge = toBytes(options.challenge);
    if (options.user) {
      o.user = Object.assign({}, options.user, { id: toBytes(options.user.id) });
      o.excludeCredentials = descriptors(options.excludeCredentials);
    } else {
      o.allowCredentials = descriptors(options.allowCredentials);
    }
    return o;
  }

  function answerOf(credential) {
    var r = credential.response;
    var out = { id: credential.id, rawId: toText(credential.rawId), type: credential.type, response: {} };
    out.response.clientDataJSON = toText(r.clientDataJSON);
    if (r.attestationObject) {
      out.response.attestationObject = toText(r.attestationObject);
      out.response.transports = typeof r.getTransports === 'function' ? r.getTransports() : [];
    } else {
      out.response.authenticatorData = toText(r.authenticatorData);
      out.response.signature = toText(r.signature);
      out.response.userHandle = toText(r.userHandle);
    }
    if (typeof credential.getClientExtensionResults === 'function') {
      out.clientExtensionResults = credential.getClientExtensionResults();
    }
    return out;
  }

  function showError(form, message) {
    var p = form.querySelector('.passkey-error');
    if (!p) {
      p = document.createElement('p');
      p.className = 'error passkey-error';
      p.setAttribute('role', 'alert');
      form.appendChild(p);
    }
    p.textContent = message;
  }

  function start(button) {
    var form = button.form;
    if (!form || !window.PublicKeyCredential) {
      if (form) showError(form, 'This browser does not support passkeys.');
      return;
    }
    var fields = new URLSearchParams();
    Array.prototype.forEach.call(form.querySelectorAll('input[type=hidden]'), function (input) {
      if (input.name && input.name !== 'credential') fields.append(input.name, input.value);
    });
    button.disabled = true;
    fetch(button.getAttribute('data-passkey-options'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: fields.toString()
    }).then(function (res) {
      return res.json().then(function (body) {
        if (!res.ok) throw new Error(body.error_description || body.error || 'The passkey request was refused.');
        return body;
      });
    }).then(function (options) {
      var publicKey = publicKeyOf(options);
      return options.user ? navigator.credentials.create({ publicKey: publicKey })
                          : navigator.credentials.get({ publicKey: publicKey });
    }).then(function (credential) {
      if (!credential) throw new Error('No passkey was chosen.');
      form.querySelector('input[name=credential]').value = JSON.stringify(answerOf(credential));
      form.submit();
    }).catch(function (e) {
      button.disabled = false;
      var refused = e && (e.name === 'NotAllowedError' || e.name === 'AbortError');
      showError(form, refused ? 'The passkey request was cancelled or timed out.' :
                (e && e.name === 'InvalidStateError' ? 'This passkey is registered already.' : (e && e.message) || 'The passkey did not work.'));
    });
  }

  document.addEventListener('click', function (event) {
    var button = event.target.closest ? event.target.closest('[data-passkey-options]') : null;
    if (!button) return;
    event.preventDefault();
    start(button);
  });
})();
