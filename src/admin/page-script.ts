/**
 * The admin page's script, sent inline under a CSP nonce. It polls the JSON API and renders every
 * value with `textContent` or `setAttribute`, never as HTML, so a breaker's name or error message
 * can never become markup. Plain ES2020 without template literals, so it can live in this string.
 */
export const pageScript = String.raw`
'use strict';
(function () {
  var byId = function (id) { return document.getElementById(id); };
  var meta = function (name) {
    var element = document.querySelector('meta[name="' + name + '"]');
    return element === null ? '' : element.getAttribute('content') || '';
  };

  var csrf = meta('breakwater-csrf');
  var readOnly = meta('breakwater-read-only') === 'true';
  var refresh = Math.max(500, Number(meta('breakwater-refresh')) || 2000);
  var listUrl = new URL('api/breakers', document.baseURI);
  var rank = { open: 0, 'half-open': 1, closed: 2 };
  var label = { open: 'Open', 'half-open': 'Half-open', closed: 'Closed' };

  var list = byId('breakers');
  var template = byId('breaker-template');
  var dialog = byId('confirm');
  var filter = byId('filter');
  var banner = byId('banner');
  var live = byId('live');
  var liveText = byId('live-text');

  var rows = new Map();
  var breakers = [];
  var clockOffset = 0;
  var lastUpdate = 0;
  var pollTimer = 0;
  var polling = false;
  var stopped = false;
  var pending = null;
  var nextId = 0;

  function now() { return Date.now() + clockOffset; }

  function duration(ms) {
    var seconds = Math.max(0, Math.round(ms / 1000));
    if (seconds < 60) return seconds + ' s';
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + ' min';
    var hours = Math.floor(minutes / 60);
    if (hours < 48) return hours + ' h' + (minutes % 60 === 0 ? '' : ' ' + (minutes % 60) + ' min');
    return Math.floor(hours / 24) + ' d';
  }

  function ago(iso) {
    var ms = now() - Date.parse(iso);
    return ms < 1500 ? 'just now' : duration(ms) + ' ago';
  }

  function setText(element, text) {
    if (element.textContent !== text) element.textContent = text;
  }

  function showBanner(text, linkText, linkHref) {
    banner.replaceChildren(document.createTextNode(text));
    if (linkText) {
      var link = document.createElement('a');
      link.href = linkHref;
      link.textContent = linkText;
      banner.append(' ', link);
    }

    banner.hidden = false;
  }

  function hideBanner() {
    banner.hidden = true;
    banner.replaceChildren();
  }

  function announce(text) {
    var status = byId('status');
    status.textContent = '';
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function makeRow(name) {
    var element = template.content.firstElementChild.cloneNode(true);
    var part = function (selector) { return element.querySelector(selector); };
    var id = 'breaker-' + (++nextId);
    var row = {
      element: element,
      name: name,
      busy: false,
      settingsKey: null,
      state: part('.state-text'),
      title: part('.breaker-name'),
      lock: part('.lock-badge'),
      lockText: part('.lock-text'),
      failures: part('.failures'),
      errorClass: part('.error-class'),
      errorMessage: part('.error-message'),
      errorTime: part('.error-time'),
      next: part('.next-probe'),
      changed: part('.changed'),
      settings: part('.settings-list'),
      buttons: element.querySelectorAll('button[data-action]'),
    };
    row.title.id = id;
    row.title.textContent = name;
    part('.actions').setAttribute('aria-labelledby', id);
    element.dataset.name = name;
    return row;
  }

  function failuresText(breaker) {
    var settings = breaker.settings;
    if (settings !== null && settings.errorRate > 0) {
      return breaker.failures + ' of ' + breaker.calls + ' calls';
    }

    if (settings !== null && breaker.ruleState === 'closed') {
      return breaker.failures + ' (opens at ' + settings.threshold + ')';
    }

    return String(breaker.failures);
  }

  function nextProbeText(breaker) {
    if (breaker.locked === 'open') return 'None while locked';
    if (breaker.locked === 'closed' || breaker.state === 'closed') return 'None needed';
    if (breaker.state === 'half-open') return 'Probing now';
    if (breaker.retryAt === null) return 'Unknown';
    var wait = Date.parse(breaker.retryAt) - now();
    return wait <= 500 ? 'Due now' : 'In ' + duration(wait);
  }

  function settingsRows(settings) {
    if (settings === null) {
      return [['Recorded', 'Not yet: the breaker has not run since it was locked']];
    }
    var trip = settings.errorRate > 0
      ? Math.round(settings.errorRate * 100) + '% of at least ' + settings.minimumCalls + ' calls'
      : settings.threshold + ' consecutive failure' + (settings.threshold === 1 ? '' : 's');
    return [
      ['Opens after', trip],
      ['Window', settings.window > 0 ? duration(settings.window) : 'None'],
      ['Cool-off', duration(settings.coolOff)],
      [
        'Closes after',
        settings.recoveryThreshold + ' good probe' + (settings.recoveryThreshold === 1 ? '' : 's'),
      ],
      ['Probes at once', String(settings.probes)],
      ['Probe timeout', duration(settings.probeTimeout)],
    ];
  }

  function update(row, breaker) {
    var element = row.element;
    var className = 'breaker state-' + breaker.state +
      (breaker.locked ? ' is-locked' : '') + (row.busy ? ' is-busy' : '');
    if (element.className !== className) element.className = className;
    element.dataset.state = breaker.state;
    setText(row.state, label[breaker.state] || breaker.state);

    row.lock.hidden = !breaker.locked;
    setText(row.lockText, breaker.locked ? 'Locked ' + breaker.locked : '');
    setText(row.failures, failuresText(breaker));

    if (breaker.lastError === null) {
      setText(row.errorClass, '');
      setText(row.errorMessage, '');
      setText(row.errorTime, 'None');
      row.errorTime.className = 'error-time none';
      row.errorMessage.parentElement.removeAttribute('title');
    } else {
      setText(row.errorClass, breaker.lastError.name);
      setText(
        row.errorMessage,
        breaker.lastError.message === '' ? '' : ': ' + breaker.lastError.message
      );
      setText(row.errorTime, breaker.lastError.at === null ? '' : ago(breaker.lastError.at));
      row.errorTime.className = 'error-time';
      row.errorMessage.parentElement.setAttribute(
        'title',
        breaker.lastError.name + ': ' + breaker.lastError.message
      );
    }

    setText(row.next, nextProbeText(breaker));
    setText(row.changed, breaker.changedAt === null ? 'Never' : ago(breaker.changedAt));

    var settingsKey = JSON.stringify(breaker.settings);
    if (row.settingsKey !== settingsKey) {
      row.settingsKey = settingsKey;
      var items = [];
      settingsRows(breaker.settings).forEach(function (pair) {
        var term = document.createElement('dt');
        term.textContent = pair[0];
        var value = document.createElement('dd');
        value.textContent = pair[1];
        items.push(term, value);
      });
      row.settings.replaceChildren.apply(row.settings, items);
    }

    row.buttons.forEach(function (button) {
      var action = button.dataset.action;
      var redundant = action === 'unlock' ? !breaker.locked : breaker.locked === action;
      button.disabled = readOnly || row.busy || redundant;
      if (readOnly) button.title = 'Read-only mode';
    });
  }

  function compare(a, b) {
    var byState = rank[a.state] - rank[b.state];
    if (byState !== 0) return byState;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  }

  function render() {
    var text = filter.value.trim().toLowerCase();
    var sorted = breakers.slice().sort(compare);
    var seen = new Set();
    var previous = null;
    var shown = 0;
    var counts = { open: 0, 'half-open': 0, closed: 0, locked: 0 };

    sorted.forEach(function (breaker) {
      var row = rows.get(breaker.name);
      if (row === undefined) {
        row = makeRow(breaker.name);
        rows.set(breaker.name, row);
      }

      seen.add(breaker.name);
      update(row, breaker);
      counts[breaker.state] += 1;
      if (breaker.locked) counts.locked += 1;
      var hidden = text !== '' && breaker.name.toLowerCase().indexOf(text) === -1;
      row.element.hidden = hidden;
      if (!hidden) shown += 1;

      var expected = previous === null ? list.firstElementChild : previous.nextElementSibling;
      if (expected !== row.element) list.insertBefore(row.element, expected);
      previous = row.element;
    });

    rows.forEach(function (row, name) {
      if (seen.has(name)) return;
      row.element.remove();
      rows.delete(name);
    });

    Object.keys(counts).forEach(function (key) {
      var item = byId('count-' + key);
      setText(item.querySelector('.count-n'), String(counts[key]));
      item.classList.toggle('has-some', counts[key] > 0);
    });

    byId('empty').hidden = breakers.length > 0;
    byId('no-match').hidden = breakers.length === 0 || shown > 0;
  }

  function renderLive() {
    if (lastUpdate === 0) return;
    var age = Date.now() - lastUpdate;
    var stale = age > refresh * 3;
    live.classList.toggle('is-stale', stale);
    list.classList.toggle('is-stale', stale);
    setText(
      liveText,
      (stale ? 'Stale: updated ' : 'Live: updated ') +
        (age < 1500 ? 'just now' : duration(age) + ' ago')
    );
  }

  function syncClock(response) {
    var serverNow = Number(response.headers.get('x-breakwater-time'));
    if (serverNow > 0) clockOffset = serverNow - Date.now();
  }

  function errorMessage(body, response) {
    if (body && body.error && typeof body.error.message === 'string') return body.error.message;
    return 'the server answered ' + response.status;
  }

  function sessionEnded() {
    stopped = true;
    showBanner('Your session has ended.', 'Log in again', new URL('login', document.baseURI).href);
    live.classList.add('is-stale');
    setText(liveText, 'Logged out');
  }

  function schedule() {
    window.clearTimeout(pollTimer);
    if (!stopped && !document.hidden) pollTimer = window.setTimeout(poll, refresh);
  }

  function poll() {
    if (polling || stopped) return;
    polling = true;
    fetch(listUrl, {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
      cache: 'no-store',
    })
      .then(function (response) {
        syncClock(response);
        if (response.status === 401) return sessionEnded();
        return response.json().catch(function () { return null; }).then(function (body) {
          if (!response.ok || !Array.isArray(body)) {
            showBanner(
              'Cannot read the breakers: ' + errorMessage(body, response) +
                '. Retrying every ' + duration(refresh) + '.'
            );
            return;
          }

          breakers = body;
          lastUpdate = Date.now();
          hideBanner();
          render();
        });
      })
      .catch(function () {
        showBanner('The admin server does not answer. Retrying every ' + duration(refresh) + '.');
      })
      .then(function () {
        polling = false;
        renderLive();
        schedule();
      });
  }

  var wording = {
    open: {
      title: 'Lock open',
      button: 'Lock open',
      text:
        'Every process sharing this store will refuse its calls at once, with no probes, ' +
        'until someone unlocks it.',
    },
    closed: {
      title: 'Lock closed',
      button: 'Lock closed',
      text:
        'Its calls will go through even while they fail (failures are still recorded) ' +
        'until someone unlocks it.',
    },
    unlock: {
      title: 'Unlock',
      button: 'Unlock',
      text: 'Its trip and recovery rules apply again, starting from the state they put it in',
    },
  };

  function ask(name, action, opener) {
    var words = wording[action];
    var breaker = breakers.find(function (item) { return item.name === name; });
    pending = { name: name, action: action, opener: opener };
    byId('confirm-title').textContent = words.title + ' ' + name + '?';
    byId('confirm-text').textContent = action === 'unlock' && breaker
      ? words.text + ' (' + breaker.ruleState + ').'
      : words.text;
    var confirmButton = byId('confirm-button');
    confirmButton.textContent = words.button;
    confirmButton.className = action === 'open' ? 'danger' : 'primary';
    dialog.returnValue = '';
    dialog.showModal();
  }

  function setBusy(name, busy) {
    var row = rows.get(name);
    if (row === undefined) return;
    row.busy = busy;
    var breaker = breakers.find(function (item) { return item.name === name; });
    if (breaker) update(row, breaker);
  }

  function act(request) {
    var name = request.name;
    var action = request.action;
    var path =
      'api/breakers/' + encodeURIComponent(name) + (action === 'unlock' ? '/unlock' : '/lock');
    var headers = { Accept: 'application/json', 'X-CSRF-Token': csrf };
    var init = { method: 'POST', credentials: 'same-origin', headers: headers };
    if (action !== 'unlock') {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify({ state: action });
    }

    setBusy(name, true);
    fetch(new URL(path, document.baseURI), init)
      .then(function (response) {
        syncClock(response);
        if (response.status === 401) return sessionEnded();
        return response.json().catch(function () { return null; }).then(function (body) {
          if (!response.ok) {
            showBanner(
              'Could not ' + wording[action].title.toLowerCase() + ' ' + name + ': ' +
                errorMessage(body, response) + '.'
            );
            return;
          }

          breakers = breakers.map(function (item) { return item.name === name ? body : item; });
          announce(name + (action === 'unlock' ? ' unlocked' : ' locked ' + action) + '.');
        });
      })
      .catch(function () {
        showBanner(
          'Could not ' + wording[action].title.toLowerCase() + ' ' + name +
            ': the admin server does not answer.'
        );
      })
      .then(function () {
        setBusy(name, false);
        render();
        if (request.opener.isConnected && !request.opener.disabled) request.opener.focus();
      });
  }

  list.addEventListener('click', function (event) {
    var button = event.target.closest('button[data-action]');
    if (button === null || button.disabled || readOnly) return;
    var row = button.closest('.breaker');
    ask(row.dataset.name, button.dataset.action, button);
  });

  dialog.addEventListener('close', function () {
    var request = pending;
    pending = null;
    if (request === null) return;
    if (dialog.returnValue === 'confirm') act(request);
    else if (request.opener.isConnected) request.opener.focus();
  });

  filter.addEventListener('input', render);

  document.addEventListener('visibilitychange', function () {
    if (!document.hidden) poll();
  });

  var logout = byId('logout');
  if (logout !== null) {
    logout.addEventListener('click', function () {
      fetch(new URL('logout', document.baseURI), {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'X-CSRF-Token': csrf },
      }).finally(function () { window.location.assign(new URL('login', document.baseURI).href); });
    });
  }

  window.setInterval(function () {
    if (breakers.length > 0) render();
    renderLive();
  }, 1000);

  poll();
})();
`;
