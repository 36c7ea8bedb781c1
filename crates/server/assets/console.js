// fastreg console — the one script, vendored, no dependencies. Every page works without it; it
// adds: live status updates (regions marked data-live refresh while one is data-pending), the
// name check shown in place, file type and size checks before upload, the avatar's square crop
// preview, and a character counter.
(function () {
  'use strict';

  // Every 2 s at first, then less often: an audit can keep a page waiting for days.
  var started = Date.now();
  function pollDelay() {
    var waited = Date.now() - started;
    return waited < 60000 ? 2000 : waited < 600000 ? 10000 : 30000;
  }
  var zh = (document.documentElement.lang || '').indexOf('zh') === 0;
  function t(zhText, enText) { return zh ? zhText : enText; }
  function parse(html) { return new DOMParser().parseFromString(html, 'text/html'); }

  // ---- live regions -----------------------------------------------------------------------
  function pending() { return document.querySelector('[data-live][data-pending]'); }
  function swap(fresh) {
    document.querySelectorAll('[data-live][id]').forEach(function (el) {
      var next = fresh.getElementById(el.id);
      if (next) { el.replaceWith(document.importNode(next, true)); }
    });
  }
  function poll() {
    if (!pending()) { return; }
    setTimeout(function () {
      fetch(location.pathname + location.search, { credentials: 'same-origin', headers: { 'X-Fastreg-Live': '1' } })
        .then(function (r) { if (!r.ok || r.redirected) { throw new Error(String(r.status)); } return r.text(); })
        .then(function (html) { swap(parse(html)); poll(); })
        .catch(function () { setTimeout(poll, 30000); });
    }, pollDelay());
  }

  // ---- file checks before upload --------------------------------------------------------------
  function checkFiles(input) {
    var max = Number(input.getAttribute('data-max-bytes') || 0);
    var types = (input.getAttribute('data-types') || '').split(',').filter(Boolean);
    var msg = '';
    Array.prototype.forEach.call(input.files || [], function (f) {
      if (msg) { return; }
      if (types.length && types.indexOf(f.type) < 0) {
        msg = t('“' + f.name + '”不是 PNG、JPEG 或 GIF 图片。', '“' + f.name + '” is not a PNG, JPEG or GIF image.');
      } else if (max && f.size > max) {
        msg = t('“' + f.name + '”超过 2 MB，请压缩后再上传。', '“' + f.name + '” is over 2 MB; shrink it first.');
      }
    });
    if (!msg && input.multiple && input.files && input.files.length > 5) {
      msg = t('最多 5 张。', 'At most 5 files.');
    }
    input.setCustomValidity(msg);
    var out = input.parentNode && input.parentNode.querySelector('.file-error');
    if (out) { out.textContent = msg; }
    return !msg;
  }
  document.addEventListener('change', function (ev) {
    var el = ev.target;
    if (el.matches && el.matches('input[type=file][data-max-bytes]') && el.id !== 'avatar-file') { checkFiles(el); }
  });

  // ---- the name check, in place -----------------------------------------------------------------
  document.addEventListener('click', function (ev) {
    var button = ev.target.closest && ev.target.closest('[data-check-nickname]');
    if (!button) { return; }
    ev.preventDefault();
    var form = button.form;
    var out = document.getElementById('nickname-check');
    var body = new FormData();
    body.append('csrf', form.elements.csrf.value);
    body.append('name', form.elements.name.value);
    out.textContent = t('检测中……', 'Checking…');
    button.disabled = true;
    fetch(button.getAttribute('formaction'), { method: 'POST', body: body, credentials: 'same-origin' })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = parse(html);
        var fresh = doc.getElementById('nickname-check');
        if (fresh) { out.replaceWith(document.importNode(fresh, true)); return; }
        var main = doc.querySelector('main');
        out.textContent = '';
        if (main) { out.appendChild(document.importNode(main, true)); }
      })
      .catch(function () { out.textContent = t('检测失败，请重试。', 'The check failed; try again.'); })
      .then(function () { button.disabled = false; });
  });

  // ---- the avatar's square crop -----------------------------------------------------------------
  function cropper(form) {
    var input = form.querySelector('#avatar-file');
    var box = form.querySelector('[data-crop]');
    if (!input || !box) { return; }
    var source = box.querySelector('.crop-source');
    var preview = box.querySelector('.crop-preview');
    var zoom = box.querySelector('[data-crop-zoom]');
    var px = box.querySelector('[data-crop-x]');
    var py = box.querySelector('[data-crop-y]');
    var image = null;
    function set(name, value) { form.elements[name].value = String(Math.round(value * 10000) / 10000); }
    function reset() { image = null; box.hidden = true; set('x1', 0); set('y1', 0); set('x2', 1); set('y2', 1); }
    function draw() {
      if (!image) { return; }
      var w = image.naturalWidth, h = image.naturalHeight;
      var side = Math.min(w, h) * Number(zoom.value) / 100;
      var left = (w - side) * Number(px.value) / 100;
      var top = (h - side) * Number(py.value) / 100;
      set('x1', left / w); set('y1', top / h);
      set('x2', Math.min(1, (left + side) / w)); set('y2', Math.min(1, (top + side) / h));
      var scale = 320 / Math.max(w, h);
      source.width = Math.max(1, Math.round(w * scale));
      source.height = Math.max(1, Math.round(h * scale));
      var c = source.getContext('2d');
      c.imageSmoothingEnabled = scale < 4;
      c.drawImage(image, 0, 0, source.width, source.height);
      c.fillStyle = 'rgba(0,0,0,0.5)';
      c.beginPath();
      c.rect(0, 0, source.width, source.height);
      c.rect(left * scale, top * scale, side * scale, side * scale);
      c.fill('evenodd');
      c.strokeStyle = '#07c160';
      c.lineWidth = 2;
      c.strokeRect(left * scale, top * scale, side * scale, side * scale);
      var p = preview.getContext('2d');
      p.imageSmoothingEnabled = side > 16;
      p.clearRect(0, 0, preview.width, preview.height);
      p.drawImage(image, left, top, side, side, 0, 0, preview.width, preview.height);
    }
    input.addEventListener('change', function () {
      var file = input.files && input.files[0];
      if (!file || !checkFiles(input)) { reset(); return; }
      var img = new Image();
      img.onload = function () { image = img; box.hidden = false; zoom.value = 100; px.value = 50; py.value = 50; draw(); };
      img.onerror = function () {
        input.setCustomValidity(t('无法读取这张图片。', 'This image cannot be read.'));
        var out = input.parentNode.querySelector('.file-error');
        if (out) { out.textContent = input.validationMessage; }
        reset();
      };
      img.src = URL.createObjectURL(file);
    });
    [zoom, px, py].forEach(function (el) { el.addEventListener('input', draw); });
  }

  // ---- a character counter ------------------------------------------------------------------------
  function counter(area) {
    var max = area.getAttribute('maxlength');
    var out = document.createElement('span');
    out.className = 'muted';
    area.insertAdjacentElement('afterend', out);
    function update() { out.textContent = Array.from(area.value).length + (max ? ' / ' + max : ''); }
    area.addEventListener('input', update);
    update();
  }

  // ---- an image WeChat's CDN does not serve here (the emulator's avatar URLs) ---------------------
  function fallback(img) {
    function broken() {
      var note = img.parentNode.querySelector('.img-fallback');
      if (note) { img.hidden = true; note.hidden = false; }
    }
    if (img.complete && img.naturalWidth === 0) { broken(); } else { img.addEventListener('error', broken); }
  }

  // A QR-code page: "copy link" and the countdown to the link's expiry.
  document.addEventListener('click', function (ev) {
    var button = ev.target.closest ? ev.target.closest('[data-copy]') : null;
    if (!button) { return; }
    var text = button.getAttribute('data-copy');
    var done = function () { button.textContent = t('已复制', 'Copied'); };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () { window.prompt(t('复制链接：', 'Copy the link:'), text); });
    } else {
      window.prompt(t('复制链接：', 'Copy the link:'), text);
    }
  });
  function countdown() {
    document.querySelectorAll('[data-deadline]').forEach(function (el) {
      var left = Math.max(0, Number(el.getAttribute('data-deadline')) - Date.now());
      var h = Math.floor(left / 3600000), m = Math.floor(left % 3600000 / 60000), s = Math.floor(left % 60000 / 1000);
      var pad = function (n) { return n < 10 ? '0' + n : String(n); };
      el.textContent = left === 0 ? t('已过期', 'expired') : h + ':' + pad(m) + ':' + pad(s);
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    countdown();
    setInterval(countdown, 1000);
    document.querySelectorAll('.avatar-now img').forEach(fallback);
    document.querySelectorAll('[data-crop-form]').forEach(cropper);
    document.querySelectorAll('textarea[data-count]').forEach(counter);
    poll();
  });
})();
