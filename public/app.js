/*
 * Vintner pages: the few behaviours plain HTML cannot give. Every page works without this file;
 * with it: live updates over SSE (plain EventSource: htmx's SSE extension is a separate package),
 * a log that follows its tail until the reader scrolls up, htmx errors shown in place, rows added
 * and removed in the vine form without a round trip, and default values that follow the stage.
 */
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  // ---- errors of htmx requests, shown where the request came from ---------------------------
  function messageOf(xhr) {
    var type = xhr.getResponseHeader('content-type') || '';
    if (xhr.status === 429) return 'Too many requests: wait a minute and try again.';
    if (xhr.status === 403) return 'The page expired (its security token is no longer valid): reload it and try again.';
    if (xhr.status === 401) return 'You were signed out: sign in again.';
    try {
      if (type.indexOf('json') >= 0) {
        var problem = JSON.parse(xhr.responseText);
        if (problem && problem.detail) return problem.detail;
      }
      if (type.indexOf('html') >= 0) {
        var doc = new DOMParser().parseFromString(xhr.responseText, 'text/html');
        var lead = doc.querySelector('.error-page .lead, .alert-error');
        if (lead) return lead.textContent.trim();
      }
    } catch (_) { /* fall through to the generic message */ }
    return 'The request failed (HTTP ' + xhr.status + '). Reload the page and try again.';
  }

  function errorHost(elt) {
    return (elt && (elt.closest('[data-error-host]') || elt.closest('.card') || elt.closest('form'))) || null;
  }

  function showError(elt, message) {
    var host = errorHost(elt);
    var box = host && host.querySelector(':scope > .htmx-error');
    if (host && !box) {
      box = document.createElement('div');
      box.className = 'alert alert-error htmx-error';
      box.setAttribute('role', 'alert');
      host.prepend(box);
    }
    if (!host) {
      box = document.getElementById('htmx-error');
      box.hidden = false;
    }
    box.textContent = message;
  }

  document.addEventListener('htmx:responseError', function (e) { showError(e.detail.elt, messageOf(e.detail.xhr)); });
  document.addEventListener('htmx:sendError', function (e) { showError(e.detail.elt, 'Vintner could not be reached: check the connection and try again.'); });
  document.addEventListener('htmx:beforeRequest', function (e) {
    var host = errorHost(e.detail.elt);
    var box = host && host.querySelector(':scope > .htmx-error');
    if (box) box.remove();
  });

  // Plain forms that need a second thought (htmx forms use hx-confirm).
  document.addEventListener('submit', function (e) {
    var msg = e.target.getAttribute && e.target.getAttribute('data-confirm');
    if (msg && !window.confirm(msg)) e.preventDefault();
  }, true);

  // ---- live regions: an element with data-sse-src keeps an EventSource while it is on the page --
  var streams = new WeakMap();

  function closeStreams(root) {
    var hosts = root.matches && root.matches('[data-sse-src]') ? [root] : [];
    if (root.querySelectorAll) hosts = hosts.concat(Array.prototype.slice.call(root.querySelectorAll('[data-sse-src]')));
    hosts.forEach(function (el) {
      var es = streams.get(el);
      if (es) es.close();
      streams.delete(el);
    });
  }

  /** `swap` events carry fragments whose ids name the elements they replace. */
  function swap(html) {
    var tpl = document.createElement('template');
    tpl.innerHTML = html;
    Array.prototype.slice.call(tpl.content.children).forEach(function (node) {
      var old = node.id && document.getElementById(node.id);
      if (!old) return;
      closeStreams(old);
      // What the reader opened stays open.
      old.querySelectorAll('details[id][open]').forEach(function (d) {
        var again = node.querySelector('#' + CSS.escape(d.id));
        if (again) again.open = true;
      });
      old.replaceWith(node);
      if (window.htmx) window.htmx.process(node);
      scan(node);
    });
  }

  function connect(host) {
    if (streams.has(host)) return;
    var es = new EventSource(host.getAttribute('data-sse-src'));
    streams.set(host, es);
    var isLog = host.hasAttribute('data-log-box');
    var state = isLog ? host.querySelector('[data-live-state]') : null;
    var setState = function (text) { if (state) state.textContent = text; };
    host.classList.add('is-connecting');
    es.addEventListener('open', function () {
      host.classList.remove('is-connecting', 'is-reconnecting');
      host.classList.add('is-live');
      setState('live');
    });
    es.addEventListener('error', function () {
      if (es.readyState === EventSource.CLOSED) return;
      host.classList.add('is-reconnecting');
      setState('reconnecting…');
    });
    es.addEventListener('swap', function (ev) { swap(ev.data); });
    if (isLog) es.addEventListener('line', function (ev) { appendLine(host, ev.data); });
    // A job's status changed: the fragments it replaces (the job log stream's `status` event).
    if (isLog) es.addEventListener('status', function (ev) { swap(ev.data); });
    es.addEventListener('end', function () {
      es.close();
      host.classList.remove('is-live', 'is-connecting', 'is-reconnecting');
      host.classList.add('is-ended');
      setState('finished');
      var follow = isLog && host.querySelector('[data-follow]');
      if (follow) follow.hidden = true;
    });
  }

  // ---- the log: lines appended in one go per frame; follows the tail unless scrolled up ------
  var pending = new Map();

  function appendLine(host, html) {
    var log = host.querySelector('[data-log]');
    if (!log) return;
    var queued = pending.get(log);
    if (queued !== undefined) {
      pending.set(log, queued + html);
      return;
    }
    pending.set(log, html);
    requestAnimationFrame(function () {
      var chunk = pending.get(log);
      pending.delete(log);
      var follow = log.getAttribute('data-following') !== 'no';
      log.insertAdjacentHTML('beforeend', chunk);
      if (follow) log.scrollTop = log.scrollHeight;
    });
  }

  function initLog(log) {
    if (log.hasAttribute('data-bound')) return;
    log.setAttribute('data-bound', '');
    var box = log.closest('[data-log-box]');
    var button = box && box.querySelector('[data-follow]');
    log.scrollTop = log.scrollHeight;
    log.addEventListener('scroll', function () {
      var atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 8;
      log.setAttribute('data-following', atBottom ? 'yes' : 'no');
      // Only a log still growing has a tail to follow.
      if (button) button.hidden = atBottom || !(box && box.classList.contains('is-live'));
    }, { passive: true });
    if (button) {
      button.addEventListener('click', function () {
        log.setAttribute('data-following', 'yes');
        log.scrollTop = log.scrollHeight;
        button.hidden = true;
      });
    }
  }

  // ---- the plant / edit form ---------------------------------------------------------------
  function setValue(input, value) {
    if (input.type === 'checkbox') input.checked = value === 'true';
    else input.value = value;
  }

  function currentValue(input) {
    return input.type === 'checkbox' ? String(input.checked) : input.value;
  }

  function defaultFor(table, input) {
    var parts = input.getAttribute('data-default-of').split('.');
    var kind = table[parts[0]] || {};
    return kind[parts[1]];
  }

  function initVineForm(form) {
    if (form.hasAttribute('data-bound')) return;
    form.setAttribute('data-bound', '');
    var defaults = JSON.parse(form.querySelector('[data-stage-defaults]').textContent);
    var shown = form.querySelector('[data-defaults-stage]');
    var changed = function () { if (window.htmx && form.hasAttribute('hx-post')) window.htmx.trigger(form, 'change'); };

    // A new stage: values still at the old stage's default take the new one (edited ones stay).
    form.addEventListener('change', function (e) {
      if (!e.target.matches('[data-stage-input]')) return;
      var from = defaults[shown.value];
      var to = defaults[e.target.value];
      if (!from || !to || shown.value === e.target.value) return;
      form.querySelectorAll('.rows [data-default-of], .singleton [data-default-of]').forEach(function (input) {
        var before = defaultFor(from, input);
        var after = defaultFor(to, input);
        if (before === undefined || before === after || currentValue(input) !== before) return;
        setValue(input, after);
        var field = input.closest('.field');
        if (field) {
          field.classList.remove('restaged');
          void field.offsetWidth; // restart the highlight animation
          field.classList.add('restaged');
        }
      });
      shown.value = e.target.value;
    });

    function nextIndex(rows, kind) {
      var max = -1;
      rows.querySelectorAll('[name^="' + kind + '."]').forEach(function (input) {
        var m = new RegExp('^' + kind + '\\.(\\d+)\\.').exec(input.name);
        if (m) max = Math.max(max, Number(m[1]));
      });
      return max + 1;
    }

    function freshName(rows, base) {
      var taken = {};
      rows.querySelectorAll('input[name$=".name"]').forEach(function (i) { taken[i.value] = true; });
      for (var n = rows.querySelectorAll('[data-row]').length + 1; ; n++) if (!taken[base + '-' + n]) return base + '-' + n;
    }

    function refreshAdd(rows) {
      var button = form.querySelector('[data-add-row="' + rows.getAttribute('data-rows') + '"]');
      if (button) button.disabled = rows.querySelectorAll('[data-row]').length >= Number(rows.getAttribute('data-max'));
    }

    form.addEventListener('click', function (e) {
      var add = e.target.closest('[data-add-row]');
      var remove = e.target.closest('[data-remove-row]');
      if (add) {
        e.preventDefault();
        var kind = add.getAttribute('data-add-row');
        var rows = form.querySelector('[data-rows="' + kind + '"]');
        var tpl = form.querySelector('template[data-row-template="' + kind + '"]');
        if (rows.querySelectorAll('[data-row]').length >= Number(rows.getAttribute('data-max'))) return;
        var fresh = freshName(rows, tpl.getAttribute('data-base'));
        rows.insertAdjacentHTML('beforeend', tpl.innerHTML.replace(/__i__/g, String(nextIndex(rows, kind))));
        var row = rows.lastElementChild;
        row.querySelectorAll('[data-default-of]').forEach(function (input) {
          var v = defaultFor(defaults[shown.value] || {}, input);
          if (v !== undefined) setValue(input, v);
        });
        var name = row.querySelector('input[name$=".name"]');
        name.value = fresh;
        if (window.htmx) window.htmx.process(row);
        refreshAdd(rows);
        name.focus();
        name.select();
        changed();
      } else if (remove) {
        e.preventDefault();
        var item = remove.closest('[data-row]');
        var list = item.parentElement;
        item.remove();
        refreshAdd(list);
        changed();
      }
    });
    form.querySelectorAll('[data-rows]').forEach(refreshAdd);
  }

  // ---- relative times: "4 min 05 s ago" kept current, in the server's words -------------------
  // (the same rules as ago() and duration() in src/routes/view-helpers.ts)
  function duration(ms) {
    if (!isFinite(ms) || ms < 0) return '–';
    var s = Math.round(ms / 1000);
    if (s < 60) return s + ' s';
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' min ' + String(s % 60).padStart(2, '0') + ' s';
    var h = Math.floor(m / 60);
    return h < 48 ? h + ' h ' + (m % 60) + ' min' : Math.floor(h / 24) + ' days';
  }

  function refreshTimes(root) {
    each(root, 'time[data-ago]', function (el) {
      var at = Date.parse(el.getAttribute('datetime'));
      if (isNaN(at)) return;
      var ms = Date.now() - at;
      var text = ms < 5000 ? 'just now' : duration(ms) + ' ago';
      if (el.textContent !== text) el.textContent = text;
    });
  }
  setInterval(function () { if (document.visibilityState === 'visible') refreshTimes(document.body); }, 5000);

  // ---- wiring ----------------------------------------------------------------------------
  function each(root, selector, fn) {
    if (root.matches && root.matches(selector)) fn(root);
    if (root.querySelectorAll) root.querySelectorAll(selector).forEach(fn);
  }

  function scan(root) {
    refreshTimes(root);
    each(root, '[data-log]', initLog);
    each(root, '[data-sse-src]', connect);
    each(root, '[data-vine-form]', initVineForm);
  }

  document.addEventListener('DOMContentLoaded', function () { scan(document.body); });
  // Lines rewrap when the window changes width: a log that follows its tail keeps showing it.
  window.addEventListener('resize', function () {
    document.querySelectorAll('[data-log]:not([data-following="no"])').forEach(function (log) { log.scrollTop = log.scrollHeight; });
  });
  document.addEventListener('htmx:load', function (e) { scan(e.detail.elt); });
  document.addEventListener('htmx:beforeCleanupElement', function (e) { closeStreams(e.detail.elt); });
  window.addEventListener('pagehide', function () { closeStreams(document.body); });
})();
